"""What a dispute and its decision take, from the tuples and columns ``service`` checks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..core.shapes import Shape
from .models import KINDS, OUTCOMES
from .service import REASON_LIMIT, STATEMENT_LIMIT, STATEMENT_MIN


class DisputeFiling(Shape):
    """``POST /api/v1/sellers/<id>/disputes``: the seller's merchant disputes one record."""

    kind: Literal[KINDS]  # type: ignore[valid-type]
    event_id: Annotated[int, Field(ge=1, description="the disputed record's event")]
    statement: Annotated[
        str,
        Field(
            min_length=STATEMENT_MIN,
            max_length=STATEMENT_LIMIT,
            description="published after the privacy gate",
        ),
    ]


class DisputeDecision(Shape):
    """``POST /api/v1/disputes/<id>/decision``: the record's source decides."""

    outcome: Literal[tuple(dict.fromkeys(o for pair in OUTCOMES.values() for o in pair))]  # type: ignore[valid-type]
    reason: Annotated[str, Field(min_length=1, max_length=REASON_LIMIT)]

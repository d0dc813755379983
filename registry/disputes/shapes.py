"""What a dispute and its decision take, from the tuples and columns ``service`` checks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, StrictInt

from ..core.identifiers import clean_text
from ..core.shapes import Shape
from .models import KINDS, OUTCOMES
from .service import REASON_LIMIT, STATEMENT_LIMIT, STATEMENT_MIN


def _cleaned(value: Any) -> Any:
    """A text as one clean line (its limits count what is kept)."""
    return clean_text(value) if isinstance(value, str) else value


def _said(low: int, high: int, description: str | None = None) -> Any:
    return Annotated[
        str,
        Field(min_length=low, max_length=high, description=description),
        BeforeValidator(_cleaned),
    ]


class DisputeFiling(Shape):
    """``POST /api/v1/sellers/<id>/disputes``: the seller's merchant disputes one record."""

    model_config = ConfigDict(extra="forbid")
    noun = "a dispute"
    kind: Literal[KINDS]  # type: ignore[valid-type]
    event_id: Annotated[
        StrictInt, Field(ge=1, le=2**63 - 1, description="the disputed record's event")
    ]
    statement: _said(STATEMENT_MIN, STATEMENT_LIMIT, "published after the privacy gate")


class DisputeDecision(Shape):
    """``POST /api/v1/disputes/<id>/decision``: the record's source decides (upheld or
    withdrawn for a correction; granted or refused for a removal or a repair)."""

    model_config = ConfigDict(extra="forbid")
    noun = "a dispute's decision"
    outcome: Literal[tuple(dict.fromkeys(o for pair in OUTCOMES.values() for o in pair))]  # type: ignore[valid-type]
    reason: _said(1, REASON_LIMIT, "published after the privacy gate")

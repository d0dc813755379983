"""What a complaint and each step of its casework take, from the limits ``rules`` and
``intake`` check against."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from ..core.shapes import Shape
from ..events.models import COMPLAINT_CATEGORIES, SEVERITIES
from .models import DECISIONS
from .rules import LIMITS, MAX_AMOUNT


def _text(key: str, description: str | None = None):  # type: ignore[no-untyped-def]
    low, high = LIMITS[key]
    return Annotated[str, Field(min_length=low, max_length=high, description=description)]


class ComplaintFiling(Shape):
    """``POST /api/v1/complaints``: anyone files; the contact is never published."""

    seller: Annotated[str, Field(max_length=64, description="the seller's public id")]
    category: Literal[COMPLAINT_CATEGORIES]  # type: ignore[valid-type]
    narrative: _text("narrative", "published after the privacy gate, once accepted")
    contact: _text("contact", "a phone number or an e-mail address; never published")
    order_ref: _text("order_ref") | None = None
    desired_resolution: _text("desired_resolution") | None = None
    complainant_name: _text("complainant_name", "never published") | None = None
    amount: Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT)] | None = None


class Acceptance(Shape):
    """``.../accept``: a moderator accepts, optionally grading the harm."""

    severity: Literal[SEVERITIES] | None = None  # type: ignore[valid-type]


class Refusal(Shape):
    """``.../reject`` and ``.../invalid``: a moderator says why."""

    reason: _text("reason")


class Reply(Shape):
    """``.../reply``: the merchant's public answer (a merchant token, or the one-time token)."""

    reply: _text("reply")
    token: Annotated[str | None, Field(description="the reply link's one-time token")] = None


class Confirmation(Shape):
    """``.../confirm``: the complainant says whether the reply resolved it."""

    token: Annotated[str, Field(description="the complainant's private token")]
    resolved: bool


class EscalationDecision(Shape):
    """``POST /api/v1/escalations/<id>/decision``: the regulator decides, saying why."""

    decision: Literal[DECISIONS]  # type: ignore[valid-type]
    reason: _text("reason", "published after the privacy gate")

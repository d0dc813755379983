"""One event record's shape (``POST /api/v1/events``, the per-order records of
``/fulfillment``): each field's type and limit, checked by the rule ``validate_event`` has
always applied to it. Cross-field rules (who may claim what, the kind's categories, the
seller or code) stay in ``service.validate_event``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field

import scoring

from ..core.identifiers import clean_text
from ..core.shapes import REQUIRED, Line, Shape, passed, ruled
from ..core.types import max_length
from ..registration.validation import parse_datetime
from .fields import Text
from .models import COMPLAINT_CATEGORIES, FRAUD_TYPES, RESOLUTIONS, SEVERITIES, Event

#: what a submitter may claim: a platform cannot submit a regulator's finding
ROLE_VERIFICATION = {
    "regulator": ("regulator", "platform", "purchase", "identity", "unverified"),
    "platform": ("platform", "purchase", "identity", "unverified"),
}
EVENT_KINDS = tuple(sorted(scoring.EVENT_KINDS))


def _kind(value: Any, key: str) -> str:
    kind = clean_text(str(value or ""))
    if kind not in scoring.EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return kind


def _one_of(allowed: tuple[str, ...], default: str | None):  # type: ignore[no-untyped-def]
    def rule(value: Any, key: str) -> str | None:
        chosen = clean_text(str(value or "")) or default
        if chosen is not None and chosen not in allowed:
            raise ValueError(f"{chosen!r} is not one of {', '.join(allowed)}")
        return chosen

    return BeforeValidator(ruled(rule))


def _moment(value: Any, key: str) -> datetime | None:
    return parse_datetime(value) if value else None


def _reference(limit: int):  # type: ignore[no-untyped-def]
    def rule(value: Any, key: str) -> str | None:
        if isinstance(value, dict | list):  # str() would make a text of any JSON
            raise ValueError("must be text")
        # A value that cleans to nothing (" ", a lone control character) is no reference:
        # kept as "", every such event would share one external_ref (a unique violation).
        text = (clean_text(str(value)) or None) if value not in (None, "") else None
        if text is not None and len(text) > limit:
            raise ValueError(f"longer than {limit} characters")
        return text

    return BeforeValidator(ruled(rule))


def _text(name: str, description: str | None = None) -> Any:
    limit = max_length(Event, name)
    return Annotated[
        Annotated[str, Field(max_length=limit)] | None,
        Field(description=description),
        _reference(limit),
    ]


Moment = Annotated[datetime | None, BeforeValidator(ruled(_moment))]


class EventRecord(Shape):
    """One event: an order, a fulfillment defect, a complaint, a fraud finding, a sanction."""

    seller: Line(64, description="public id or credit code")
    code: Line(64, description="a credit code, instead of seller")
    kind: Annotated[
        Literal[EVENT_KINDS] | None,  # type: ignore[valid-type]
        BeforeValidator(ruled(_kind)),
        Field(description="sanctions and abnormal operations: regulators only"),
        REQUIRED,
    ]
    occurred_at: Annotated[Moment, REQUIRED, Field(description="not in the future")]
    severity: Annotated[
        Literal[SEVERITIES] | None,  # type: ignore[valid-type]
        _one_of(SEVERITIES, "minor"),
        Field(description="default minor"),
    ]
    verification: passed(
        Literal[ROLE_VERIFICATION["regulator"]],  # type: ignore[valid-type]
        "what the submitter may claim: a platform not regulator; default its first",
    ) = None
    resolution: Annotated[
        Literal[RESOLUTIONS] | None,  # type: ignore[valid-type]
        _one_of(RESOLUTIONS, None),
    ]
    category: Line(
        64,
        description="complaints: "
        + ", ".join(COMPLAINT_CATEGORIES)
        + "; fraud reports: "
        + ", ".join(FRAUD_TYPES)
        + " (default other)",
    )
    ends_at: Moment
    lifted_at: Moment
    order_ref: _text("order_ref")
    buyer_ref: _text("buyer_ref")
    complainant_ref: _text("complainant_ref")
    external_ref: _text("external_ref", "the record's id: re-sending it changes that record")
    summary: _text("summary", "published after the privacy gate")


#: what a change of a recorded event may set (``PATCH /api/v1/events/<id>``)
AMENDABLE = ("resolution", "lifted_at", "ends_at", "summary")
REASON_LIMIT = 1000


class EventAmendment(Shape):
    """``PATCH /api/v1/events/<id>``: what may change, and why (a regulator changing
    another source's record must say why). Only the fields given change."""

    model_config = ConfigDict(extra="forbid")
    noun = "an event's changeable fields"
    resolution: Annotated[
        Literal[RESOLUTIONS] | None,  # type: ignore[valid-type]
        _one_of(RESOLUTIONS, None),
    ] = None
    lifted_at: Moment = None
    ends_at: Moment = None
    summary: _text("summary", "published after the privacy gate") = None
    reason: Text(REASON_LIMIT, description="required when changing another source's record") = None

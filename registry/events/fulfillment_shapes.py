"""What a platform's daily aggregate and order confirmation may hold, each field run by the
rule ``fulfillment`` and ``confirmations`` always applied to it; the rules that join fields
(counts within the day's orders, a day or a confirmation not in the future) stay there."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, create_model

from ..core.identifiers import clean_text
from ..core.shapes import REQUIRED, Line, Shape, ruled
from ..core.types import max_length
from ..registration.validation import parse_datetime
from .fulfillment_models import AGGREGATE_KINDS, FulfillmentDay, OrderConfirmation
from .sanction_rules import SELLER_REF
from .stores import STORE_REF_LIMIT

# A day's count above this is a typing error, not a store (the largest sell ~10^6 a day).
MAX_DAY_COUNT = 5_000_000
EARLIEST_DAY = date(2000, 1, 1)
REF_LIMIT = max_length(FulfillmentDay, "external_ref")


def parse_count(raw: Any, key: str = "") -> int:
    """Return a count (a JSON integer or a CSV cell of digits), or raise ValueError."""
    if raw is None or raw == "":
        return 0
    if raw.__class__ is int:
        value = raw
    elif isinstance(raw, str) and clean_text(raw).isascii() and clean_text(raw).isdigit():
        value = int(clean_text(raw))
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        raise ValueError("must be a non-negative integer")
    if value < 0:
        raise ValueError("must be a non-negative integer")
    if value > MAX_DAY_COUNT:
        raise ValueError(f"more than {MAX_DAY_COUNT:,} in one day")
    return value


def _day(raw: Any, key: str) -> date:
    try:
        day = date.fromisoformat(clean_text(str(raw or "")))
    except ValueError:
        raise ValueError("day must be a date (YYYY-MM-DD)") from None
    if day < EARLIEST_DAY:
        raise ValueError(f"day is before {EARLIEST_DAY.isoformat()}")
    return day


def _moment(raw: Any, key: str) -> datetime:
    if raw in (None, ""):
        raise ValueError(f"{key} is required")
    return parse_datetime(raw)


_Count = Annotated[
    int | None,
    Field(ge=0, le=MAX_DAY_COUNT, description="a whole number of the day's orders"),
    BeforeValidator(ruled(parse_count)),
]
_Seller = Line(SELLER_REF, description="public id or credit code; or give store")
_Store = Line(STORE_REF_LIMIT, description="the platform's own store id (its mapping)")


class _Aggregate(Shape):
    model_config = ConfigDict(extra="forbid")
    noun = "a daily aggregate"


#: one source's counts for one seller and day (``POST /api/v1/fulfillment``)
FulfillmentAggregate = create_model(
    "FulfillmentAggregate",
    __base__=_Aggregate,
    __doc__="One source's counts for one seller and day, a re-sent day replacing them.",
    seller=(_Seller, None),
    store=(_Store, None),
    day=(Annotated[date | None, BeforeValidator(ruled(_day)), REQUIRED], None),
    external_ref=(Line(REF_LIMIT), None),
    **{name: (_Count, None) for name in AGGREGATE_KINDS},
)


class OrderConfirmationRecord(Shape):
    """An order the platform confirms (``POST /api/v1/order-confirmations``)."""

    model_config = ConfigDict(extra="forbid")
    noun = "an order confirmation"
    order_ref: Line(max_length(OrderConfirmation, "order_ref"), required=True)
    seller: _Seller = None
    store: _Store = None
    buyer_ref: Line(max_length(OrderConfirmation, "buyer_ref")) = None
    confirmed_at: Annotated[
        datetime | None,
        BeforeValidator(ruled(_moment)),
        REQUIRED,
        Field(description="not in the future"),
    ]

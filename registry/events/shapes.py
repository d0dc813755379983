"""What one record of each events batch may hold: its fields, limits and enumerations.

``SanctionRecord`` and ``FraudReportRecord`` are what their services validate with
(``registry.core.shapes.check``: each field runs the rule of ``fields``); the others give the
API document the same constants and columns their validators check against.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from ..core.shapes import REQUIRED, Shape, passed
from ..core.types import max_length
from .event_fields import ROLE_VERIFICATION, EventAmendment, EventRecord
from .fields import MAX_AMOUNT, Choice, Text
from .fulfillment_shapes import FulfillmentAggregate, OrderConfirmationRecord
from .models import (
    FRAUD_TYPES,
    RESOLUTIONS,
    Event,
    FraudDetail,
)
from .sanction_rules import SELLER_REF, SanctionRecord

__all__ = [
    "ROLE_VERIFICATION",
    "EventAmendment",
    "EventRecord",
    "FraudReportRecord",
    "FulfillmentAggregate",
    "OrderConfirmationRecord",
    "SanctionRecord",
    "StoreMapping",
]

#: a seller named by its public id or its credit code

SellerRef = Annotated[str, Field(max_length=SELLER_REF, description="public id or credit code")]


def _limit(model: type, name: str) -> int:
    return max_length(model, name)


def _text(model: type, name: str, description: str | None = None):  # type: ignore[no-untyped-def]
    return Annotated[str | None, Field(max_length=_limit(model, name), description=description)]


class FraudReportRecord(Shape):
    """A fraud report (``POST /api/v1/fraud-reports``): its own fields checked here, the
    event's passed on to ``EventService``."""

    seller: passed(SellerRef, "public id or credit code") = None
    scam_type: Annotated[Choice(FRAUD_TYPES), REQUIRED]
    amount: passed(
        Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT)] | None,
        "the amount lost, with at most the decimals its currency has",
    ) = None
    currency: passed(
        Annotated[str, Field(pattern="^[A-Za-z]{3}$")] | None, "ISO 4217 code; default CNY"
    ) = None
    verification: passed(
        Literal[ROLE_VERIFICATION["regulator"]] | None,  # type: ignore[valid-type]
        "a platform may not claim regulator",
    ) = None
    evidence_ref: Text(_limit(FraudDetail, "evidence_ref"), description="never published")
    occurred_at: Annotated[passed(datetime, "when it happened; not in the future"), REQUIRED] = None
    summary: passed(_text(Event, "summary")) = None
    external_ref: Text(_limit(Event, "external_ref"), required=True)
    resolution: passed(Literal[RESOLUTIONS] | None) = None  # type: ignore[valid-type]


class StoreMapping(Shape):
    """``PUT /api/v1/stores/<store_id>``: the seller a platform's store id names."""

    model_config = ConfigDict(extra="forbid")
    noun = "a store mapping"
    seller: Text(SELLER_REF, required=True, description="public id or credit code")

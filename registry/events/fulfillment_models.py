"""A platform's fulfillment data beyond single events: daily aggregates, its store ids, and
the orders it confirms."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

# The counts of a daily aggregate, and the event kind each one is scored as.
AGGREGATE_KINDS = {
    "orders": "order",
    "late_shipments": "late_shipment",
    "cancellations": "seller_cancellation",
    "non_delivery": "non_delivery",
    "not_as_described": "not_as_described_return",
    "disputes_opened": "dispute_opened",
    "disputes_lost": "dispute_lost",
    "chargebacks": "chargeback",
}


class FulfillmentDay(SQLModel, table=True):
    """One source's counts for one seller and day; a re-sent day replaces them."""

    __tablename__ = "fulfillment_day"
    __table_args__ = (
        UniqueConstraint("source", "seller_id", "day", name="uq_fulfillment_day_source_day"),
        UniqueConstraint("source", "external_ref", name="uq_fulfillment_day_source_ref"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=120)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    day: date
    external_ref: str | None = Field(default=None, max_length=128)
    orders: int = 0
    late_shipments: int = 0
    cancellations: int = 0
    non_delivery: int = 0
    not_as_described: int = 0
    disputes_opened: int = 0
    disputes_lost: int = 0
    chargebacks: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PlatformStore(SQLModel, table=True):
    """A platform's own store id, mapped by that platform (its source) to a seller."""

    __tablename__ = "platform_store"
    __table_args__ = (UniqueConstraint("source", "store_ref", name="uq_platform_store_source_ref"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=120)
    store_ref: str = Field(max_length=128)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OrderConfirmation(SQLModel, table=True):
    """A platform's word that an order of a seller took place: it makes a complaint naming
    that order purchase-verified."""

    __tablename__ = "order_confirmation"
    __table_args__ = (
        UniqueConstraint(
            "source", "seller_id", "order_ref", name="uq_order_confirmation_source_order"
        ),
        Index("ix_order_confirmation_seller_order", "seller_id", "order_ref"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=120)
    seller_id: int = Field(foreign_key="seller.id")
    order_ref: str = Field(max_length=64)
    buyer_ref: str | None = Field(default=None, max_length=64)
    confirmed_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

"""Webhook subscriptions, the alert events derived from the journal, and their deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

EVENT_TYPES = ("grade_changed", "sanction", "fraud_report", "complaint_outcome")
DELIVERY_STATES = ("pending", "delivered", "failed")


class Subscription(SQLModel, table=True):
    """A webhook URL watching sellers, a region or a category; owned by one API token."""

    __tablename__ = "alert_subscription"
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=16, unique=True)
    token_id: int = Field(foreign_key="api_token.id", index=True)
    url: str = Field(max_length=2000)
    region: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    # The signing secret, encrypted (Fernet) under a key kept outside the database: signing
    # needs the secret itself, and a copy of the database alone must not forge deliveries.
    secret_encrypted: str = Field(sa_type=Text)
    active: bool = True
    consecutive_failures: int = 0
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SubscriptionSeller(SQLModel, table=True):
    """One seller a subscription watches."""

    __tablename__ = "alert_subscription_seller"
    subscription_id: int = Field(foreign_key="alert_subscription.id", primary_key=True)
    seller_id: int = Field(foreign_key="seller.id", primary_key=True, index=True)


class AlertEvent(SQLModel, table=True):
    """One alert, made once from what the journal recorded; ``key`` names its origin."""

    __tablename__ = "alert_event"
    id: int | None = Field(default=None, primary_key=True)
    # What receivers dedupe on; the same for every subscription and every retry.
    public_id: str = Field(max_length=40, unique=True)
    key: str = Field(max_length=64, unique=True)
    type: str = Field(max_length=24)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    payload: dict = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One event for one subscription, tried until delivered or out of time."""

    __tablename__ = "alert_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id", name="uq_alert_delivery_once"),
        Index("ix_alert_delivery_due", "status", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="alert_subscription.id", index=True)
    event_id: int = Field(foreign_key="alert_event.id")
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = None
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DeliveryAttempt(SQLModel, table=True):
    """One POST of a delivery: what came back, how long it took, when the next one is due."""

    __tablename__ = "alert_attempt"
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="alert_delivery.id", index=True)
    at: datetime = Field(sa_type=UTCDateTime)
    status_code: int | None = None
    latency_ms: float = 0.0
    error: str | None = Field(default=None, max_length=300)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

"""A merchant's dispute of a record and its source's decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

#: what a merchant may ask of a record's source
KINDS = ("correction", "abnormal_removal", "credit_repair")
#: what the source decides: the record stands, or is withdrawn (a correction); the request
#: is granted or refused (a removal or a repair)
OUTCOMES = {
    "correction": ("upheld", "withdrawn"),
    "abnormal_removal": ("granted", "refused"),
    "credit_repair": ("granted", "refused"),
}
STATES = ("open", "upheld", "withdrawn", "granted", "refused")


class Dispute(SQLModel, table=True):
    """One request about one record (an event, or a finding's decision): open until its
    source decides. The statement and the reason are kept as sent and as published."""

    __table_args__ = (Index("ix_dispute_queue_status", "queue", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=16, unique=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    kind: str = Field(max_length=24)
    event_id: int = Field(foreign_key="event.id", index=True)
    sanction_id: int | None = Field(default=None, foreign_key="sanction.id")
    # The source that recorded the record: the one who decides.
    queue: str = Field(max_length=120)
    filed_by: str = Field(max_length=120)
    statement: str | None = Field(default=None, max_length=2000)  # as published (scrubbed)
    statement_original: str | None = Field(default=None, max_length=2000)
    status: str = Field(default="open", max_length=16)
    reason: str | None = Field(default=None, max_length=1000)  # as published (scrubbed)
    reason_original: str | None = Field(default=None, max_length=1000)
    decided_by: str | None = Field(default=None, max_length=120)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

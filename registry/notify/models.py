"""The outbox: one row per message to send, with its attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

#: queued (to send), sent, failed (gave up after the retries), unreachable (nobody to send to)
NOTIFICATION_STATES = ("queued", "sent", "failed", "unreachable")


class Notification(SQLModel, table=True):
    """A message to a complainant, a merchant or a regulator; never public."""

    id: int | None = Field(default=None, primary_key=True)
    # consumer | merchant | regulator: who must read it
    audience: str = Field(max_length=16)
    # None: nobody could be notified (no address on record); the row says so to moderators.
    recipient: str | None = Field(default=None, max_length=200)
    locale: str = Field(default="zh", max_length=8)
    template: str = Field(max_length=48)
    # What the template needs, and no secret but the one its recipient must get (a private
    # link's token, a one-time code): those are dropped once the message is sent.
    context: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", index=True)
    status: str = Field(default="queued", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

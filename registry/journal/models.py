"""The hash-chained audit log, the change log and job cursors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """Append-only; ``entry_hash`` chains each row to the one before it."""

    __tablename__ = "audit_log"
    # A complaint's timeline is read from its audit entries (registry.complaints.timeline).
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    # Canonical JSON text, hashed exactly as stored (see registry.journal.audit).
    old: str | None = Field(default=None, sa_type=Text)
    new: str | None = Field(default=None, sa_type=Text)

    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64, unique=True)

    def values(self) -> tuple[Any, Any]:
        """Return old and new as JSON data."""
        return (
            json.loads(self.old) if self.old else None,
            json.loads(self.new) if self.new else None,
        )


class ChangeLogEntry(SQLModel, table=True):
    """A seller whose public record changed; jobs consume these by sequence number."""

    __tablename__ = "change_log"
    seq: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(index=True)
    kind: str = Field(max_length=24)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class JobCursor(SQLModel, table=True):
    """How far a consumer of the change log has got (one row per consumer)."""

    __tablename__ = "job_cursor"
    name: str = Field(primary_key=True, max_length=64)
    last_seq: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

"""API tokens, the hash-chained audit log, the change log and job cursors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from .base import UTCDateTime, utcnow

ROLES = ("regulator", "platform", "moderator", "merchant")


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    role: str = Field(max_length=16)
    prefix: str = Field(max_length=16, index=True)
    digest: str = Field(max_length=64, unique=True)
    seller_id: int | None = Field(default=None, foreign_key="seller.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # None: never expires (create-token --expires-days N sets it).
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Append-only; ``entry_hash`` chains each row to the one before it."""

    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    # Canonical JSON text, hashed exactly as stored (see registry.audit).
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


class Attestation(SQLModel, table=True):
    """A signed statement issued about a seller; listed so that it can be revoked."""

    jti: str = Field(primary_key=True, max_length=64)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    kid: str = Field(max_length=64)
    # The claims that matter for revocation: grade, verified and the domain list.
    claims: dict = Field(default_factory=dict, sa_type=JSON)
    issued_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=200)

"""API tokens and the signed statements issued about sellers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

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

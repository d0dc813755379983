"""Sellers, their identity registrations, stores and web domains."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

ENTITY_TYPES = ("company", "branch", "individual_business", "foreign", "other")
STATUSES = ("in_business", "revoked", "cancelled", "moved_out", "unknown")


class SellerBase(SQLModel):
    legal_name: str = Field(max_length=200, index=True)
    english_name: str | None = Field(default=None, max_length=200)
    former_names: list[str] = Field(default_factory=list, sa_type=JSON)
    aliases: list[str] = Field(default_factory=list, sa_type=JSON)
    entity_type: str = Field(default="company", max_length=32)
    # "unknown" until a registration says: a missing status is never shown as in business.
    status: str = Field(default="unknown", max_length=32)
    legal_representative: str | None = Field(default=None, max_length=100)
    established_on: date | None = None
    registered_address: str | None = Field(default=None, max_length=300)
    registration_authority: str | None = Field(default=None, max_length=200)
    area_code: str | None = Field(default=None, max_length=6)
    province: str | None = Field(default=None, max_length=32, index=True)
    city: str | None = Field(default=None, max_length=64)
    business_scope: str | None = Field(default=None, max_length=2000)
    category: str | None = Field(default=None, max_length=64, index=True)


class Seller(SellerBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=16, unique=True)
    # Bumped on every change the public sees; the search index stores it to find stale entries.
    version: int = Field(default=1)
    # The registered contact e-mail, private: where the registry tells the seller of a
    # complaint (never published, never shown to consumers).
    contact_email: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SellerCreate(SellerBase):
    pass


class SellerUpdate(SQLModel):
    legal_name: str | None = None
    english_name: str | None = None
    aliases: list[str] | None = None
    category: str | None = None


class IdentityBase(SQLModel):
    scheme: str = Field(max_length=16)
    value: str = Field(max_length=64)
    # Indexed: "does the registry hold the demo set" asks for one verifier's rows.
    verified_by: str | None = Field(default=None, max_length=120, index=True)
    evidence_ref: str | None = Field(default=None, max_length=200)


class Identity(IdentityBase, table=True):
    """A verified identifier of a seller; at most one seller per (scheme, value)."""

    __table_args__ = (UniqueConstraint("scheme", "value", name="uq_identity_scheme_value"),)
    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    verifier_role: str | None = Field(default=None, max_length=16)
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IdentityRevision(SQLModel, table=True):
    """One changed field of a re-submitted registration: old and new values, who and when."""

    __tablename__ = "identity_revision"
    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    identity_id: int = Field(foreign_key="identity.id")
    field: str = Field(max_length=64)
    old_value: str | None = None
    new_value: str | None = None
    changed_by: str = Field(max_length=120)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Store(SQLModel, table=True):
    """A shop on a marketplace (platform + shop key) or an independent web shop."""

    __table_args__ = (UniqueConstraint("platform", "store_key", name="uq_store_platform_key"),)
    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    platform: str = Field(max_length=32)
    store_key: str = Field(max_length=128)
    store_name: str = Field(max_length=200)
    store_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


DOMAIN_STATES = ("pending", "proven", "regulator_verified", "lost")
# A domain in one of these is bound to its seller: shown, and green on a badge.
BOUND_STATES = ("proven", "regulator_verified")


class Domain(SQLModel, table=True):
    """A web domain bound (or asking to be bound) to a seller."""

    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    domain: str = Field(max_length=253, unique=True)
    icp_number: str | None = Field(default=None, max_length=64)
    state: str = Field(default="pending", max_length=24)
    # The token the merchant publishes; it proves control, so it is no secret.
    proof_token: str | None = Field(default=None, max_length=80)
    proven_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_check_result: str | None = Field(default=None, max_length=200)
    # A proof that fails this many checks in a row is lost and the domain unbound (one
    # failure may be the merchant's brief outage).
    consecutive_failures: int = 0
    verified_by: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


Index("ix_store_name", Store.store_name)

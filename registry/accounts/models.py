"""Accounts of people who sign in, the sellers a merchant account speaks for, and the
one-time codes and domain proofs by which a merchant claims a seller."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ..core.types import UTCDateTime, utcnow

ACCOUNT_ROLES = ("moderator", "regulator", "merchant")
#: roles whose sign-in needs a second factor (TOTP)
SECOND_FACTOR_ROLES = frozenset({"moderator", "regulator"})


class Account(SQLModel, table=True):
    """A person who signs in; the password only as an argon2 hash."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    role: str = Field(max_length=16)
    # None until the invitation is used.
    password_hash: str | None = Field(default=None, max_length=255)
    # The TOTP secret (base32), sealed (registry.core.sealing, purpose "totp-secrets");
    # confirmed once a code made with it was typed.
    totp_secret: str | None = Field(default=None, max_length=255)
    totp_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last TOTP time step accepted: a code is good once.
    totp_last_step: int | None = Field(default=None)
    # Raised when the account is disabled or its password changes: older sessions end.
    session_epoch: int = Field(default=0)
    # SHA-256 of the one-time invitation token; cleared when used.
    invite_digest: str | None = Field(default=None, max_length=64, unique=True)
    invite_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A regulator's: the source whose records it decides (``regulator:<name>``), or None.
    source: str | None = Field(default=None, max_length=120)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AccountSeller(SQLModel, table=True):
    """A merchant account speaks for this seller (one seller may have several staff)."""

    __tablename__ = "account_seller"
    __table_args__ = (UniqueConstraint("account_id", "seller_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    # How the claim was proven: "code", "domain" or "operator" (the command line).
    via: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ClaimCode(SQLModel, table=True):
    """A one-time code a regulator issues for a seller, handed over through the verified
    record (it reaches the business, not whoever says it is the business)."""

    __tablename__ = "claim_code"
    id: int | None = Field(default=None, primary_key=True)
    seller_id: int = Field(foreign_key="seller.id", index=True)
    digest: str = Field(max_length=64, unique=True)
    issued_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, foreign_key="account.id")


class DomainClaim(SQLModel, table=True):
    """A merchant's claim of a seller by proving one of its bound domains; checked by a job
    (no outbound call from a request), bound when the proof holds."""

    __tablename__ = "domain_claim"
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    seller_id: int = Field(foreign_key="seller.id")
    domain: str = Field(max_length=253)
    proof_token: str = Field(max_length=64)
    # pending -> bound | failed (a failed check leaves it pending until it expires)
    state: str = Field(default="pending", max_length=16, index=True)
    last_result: str | None = Field(default=None, max_length=32)
    checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

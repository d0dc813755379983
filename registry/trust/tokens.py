"""API tokens: random, with a visible prefix, stored only as a SHA-256 digest; they may
expire, and they can be revoked by their prefix."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from .. import journal
from ..core.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from ..core.types import utcnow
from ..journal import Change
from .models import ROLES, ApiToken

TOKEN_PREFIX = "mrt_"
#: characters of a token kept in clear (``ApiToken.prefix``), to name it in lists and commands
PREFIX_LENGTH = 12
#: the fewest characters of a prefix that ``revoke-token`` takes
MIN_PREFIX = 6
MAX_EXPIRES_DAYS = 3650


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name and role (and seller, for merchant tokens), or a
    signed-in person (``account_id``; a merchant account may speak for several sellers)."""

    token_id: int | None
    name: str
    role: str
    seller_id: int | None = None
    account_id: int | None = None
    seller_ids: frozenset[int] = frozenset()
    #: a regulator account's source (``regulator:<name>``): whose disputes it decides
    source: str | None = None

    @property
    def actor(self) -> str:
        """Who the audit log names: ``user:<id>`` for a person, ``role:name`` for a token."""
        if self.account_id is not None:
            return f"user:{self.account_id}"
        return f"{self.role}:{self.name}"

    def speaks_for(self, seller_id: int) -> bool:
        """Tell whether this principal acts for *seller_id* (a merchant's own seller)."""
        return seller_id == self.seller_id or seller_id in self.seller_ids


class TokenService:
    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self._now = now

    def now(self) -> datetime:
        return self._now or utcnow()

    def create(
        self,
        *,
        name: str,
        role: str,
        seller_id: int | None = None,
        actor: str = "cli",
        expires_days: int | None = None,
    ) -> tuple[str, ApiToken]:
        """Create a token; return the plain text (shown once) and its row. With
        *expires_days*, the token stops working that many days from now."""
        if role not in ROLES:
            raise ValidationFailed(f"unknown role {role!r}", {"role": f"one of {', '.join(ROLES)}"})
        if not name.strip():
            raise ValidationFailed("token name is required", {"name": "required"})
        if role == "merchant" and seller_id is None:
            raise ValidationFailed("a merchant token needs a seller", {"seller": "required"})
        if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
            raise ValidationFailed(
                f"expires-days must be between 1 and {MAX_EXPIRES_DAYS}",
                {"expires_days": expires_days},
            )
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.now()
        row = ApiToken(
            name=name.strip(),
            role=role,
            prefix=plain[:PREFIX_LENGTH],
            digest=digest(plain),
            seller_id=seller_id,
            created_at=now,
            expires_at=None if expires_days is None else now + timedelta(days=expires_days),
        )
        self.session.add(row)
        self.session.flush()
        journal.record(
            self.session,
            [
                Change(
                    actor,
                    "token.create",
                    "api_token",
                    str(row.id),
                    None,
                    {
                        "name": row.name,
                        "role": role,
                        "prefix": row.prefix,
                        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
                    },
                )
            ],
        )
        return plain, row

    def authenticate(self, header: str | None) -> Principal:
        """Return the principal of an ``Authorization: Bearer`` header or raise Unauthorized."""
        if not header:
            raise Unauthorized("missing Authorization header (expected 'Bearer <token>')")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("malformed Authorization header (expected 'Bearer <token>')")
        wanted = digest(token)
        row = self.session.execute(
            select(ApiToken).where(ApiToken.digest == wanted)
        ).scalar_one_or_none()
        # The lookup is by digest, so timing reveals nothing of the token; compare anyway.
        if row is None or not hmac.compare_digest(row.digest, wanted):
            raise Unauthorized("invalid token")
        if row.revoked_at:
            raise Unauthorized("this token was revoked", {"token": "revoked"})
        if row.expires_at is not None and row.expires_at <= self.now():
            raise Unauthorized(
                f"this token expired at {row.expires_at:%Y-%m-%d %H:%M} UTC",
                {"token": "expired"},
            )
        return Principal(row.id, row.name, row.role, row.seller_id)

    def tokens(self) -> Sequence[ApiToken]:
        """Every token, oldest first (the rows hold digests, never the tokens)."""
        return self.session.execute(select(ApiToken).order_by(ApiToken.id)).scalars().all()

    def find(self, prefix: str) -> ApiToken:
        """The one token whose prefix starts with *prefix* (or the token itself, if given)."""
        given = prefix.strip()
        if len(given) < MIN_PREFIX:
            raise ValidationFailed(
                f"give at least {MIN_PREFIX} characters of the token's prefix", {"prefix": given}
            )
        if len(given) > PREFIX_LENGTH:  # a whole token: find it by its digest
            rows = (
                self.session.execute(select(ApiToken).where(ApiToken.digest == digest(given)))
                .scalars()
                .all()
            )
        else:
            rows = [
                row
                for row in self.session.execute(
                    select(ApiToken).where(ApiToken.prefix.startswith(given, autoescape=True))
                ).scalars()
                if row.prefix.startswith(given)  # LIKE ignores case on SQLite
            ]
        if not rows:
            raise NotFound(f"no token has the prefix {given!r}", {"prefix": given})
        if len(rows) > 1:
            raise ValidationFailed(
                f"{len(rows)} tokens have the prefix {given!r}; give more of it",
                {"prefix": given, "matches": [row.prefix for row in rows]},
            )
        return rows[0]

    def revoke(self, token_id: int, actor: str) -> ApiToken | None:
        """Revoke a token (audited); return its row, or None if it was revoked already."""
        row = self.session.get(ApiToken, token_id)
        if row is None or row.revoked_at:
            return None
        row.revoked_at = self.now()
        journal.record(
            self.session,
            [
                Change(
                    actor,
                    "token.revoke",
                    "api_token",
                    str(row.id),
                    None,
                    {"prefix": row.prefix, "revoked_at": row.revoked_at.isoformat()},
                )
            ],
        )
        return row


def require_role(principal: Principal, *roles: str) -> Principal:
    if principal.role not in roles:
        raise Forbidden(f"this needs a {' or '.join(roles)} token; yours is {principal.role}")
    return principal

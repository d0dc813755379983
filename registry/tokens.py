"""API tokens: random, with a visible prefix, stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from .audit import AuditLog, Change
from .errors import Forbidden, Unauthorized, ValidationFailed
from .models import ROLES, ApiToken, utcnow

TOKEN_PREFIX = "mrt_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's name and role (and seller, for merchant tokens)."""

    token_id: int
    name: str
    role: str
    seller_id: int | None = None

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


class TokenService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self, *, name: str, role: str, seller_id: int | None = None, actor: str = "cli"
    ) -> tuple[str, ApiToken]:
        """Create a token; return the plain text (shown once) and its row."""
        if role not in ROLES:
            raise ValidationFailed(f"unknown role {role!r}", {"role": f"one of {', '.join(ROLES)}"})
        if not name.strip():
            raise ValidationFailed("token name is required", {"name": "required"})
        if role == "merchant" and seller_id is None:
            raise ValidationFailed("a merchant token needs a seller", {"seller": "required"})
        plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(
            name=name.strip(),
            role=role,
            prefix=plain[:12],
            digest=digest(plain),
            seller_id=seller_id,
        )
        self.session.add(row)
        self.session.flush()
        AuditLog(self.session).record(
            [
                Change(
                    actor,
                    "token.create",
                    "api_token",
                    str(row.id),
                    None,
                    {"name": row.name, "role": role, "prefix": row.prefix},
                )
            ]
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
        if row is None or not hmac.compare_digest(row.digest, wanted) or row.revoked_at:
            raise Unauthorized("invalid or revoked token")
        return Principal(row.id, row.name, row.role, row.seller_id)

    def revoke(self, token_id: int, actor: str) -> None:
        row = self.session.get(ApiToken, token_id)
        if row is None or row.revoked_at:
            return
        row.revoked_at = utcnow()
        AuditLog(self.session).record([Change(actor, "token.revoke", "api_token", str(row.id))])


def require_role(principal: Principal, *roles: str) -> Principal:
    if principal.role not in roles:
        raise Forbidden(f"this needs a {' or '.join(roles)} token; yours is {principal.role}")
    return principal

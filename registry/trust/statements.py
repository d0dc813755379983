"""Signed statements about sellers: issued by a job, signed on demand, revoked when stale.

A statement (compact JWS, see ``registry.trust.attestation``) is issued by the scheduler, never by a
request: ``refresh`` records a new ``Attestation`` row when a seller's facts changed (and
revokes the live ones whose grade, verification, alarms, name or domains no longer hold), and
``renew`` gives every seller a row that is not about to expire. A request only reads:
``current`` signs the newest live row again. Ed25519 signatures are deterministic and the row
fixes every claim, ``iat``, ``exp`` and ``jti``, so every request for the same row gets the
same token, and every token handed out is a row that can be revoked.

When the newest row no longer matches the seller's facts (the job has not run since a change,
a few seconds at most) ``current`` raises ``StatementPending`` rather than sign a statement
already known to be stale.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlmodel import Session

from ..core.errors import Unavailable
from ..core.types import utcnow
from ..read.badges import BadgeFacts, badge_facts
from ..registration.models import Seller
from .attestation import key_id, sign_attestation
from .keys import KeyRing
from .models import Attestation

LIFETIME = timedelta(days=7)
# A row this close to its expiry is renewed (a verifier keeps a statement up to its expiry).
RENEW_BEFORE = timedelta(days=2)
# What a verifier relies on: a statement that no longer says these truly is revoked.
# (The score moves a little every night; a new row is issued but the old one still holds.)
BINDING_CLAIMS = ("sub", "name", "grade", "verified", "domains", "alarms")


class StatementPending(Unavailable):
    code = "statement_pending"


def claims_of(facts: BadgeFacts, issuer: str) -> dict[str, Any]:
    """The claims a statement about *facts* makes (without iat, exp and jti)."""
    return {
        "iss": issuer,
        "sub": facts.public_id,
        "name": facts.legal_name,
        "domains": list(facts.domains),
        "grade": facts.grade,
        "score": None if facts.value is None else round(facts.value, 1),
        "verified": facts.verified,
        "alarms": list(facts.alarms),
    }


def _binding(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: claims.get(k) for k in BINDING_CLAIMS}


class StatementService:
    """Issues (jobs), signs (requests) and lists revoked statements; the caller commits."""

    def __init__(
        self, session: Session, keys: KeyRing, issuer: str, now: datetime | None = None
    ) -> None:
        self.session = session
        self.keys = keys
        self.issuer = issuer
        self.now = now or utcnow()

    # -- requests: read only ---------------------------------------------------------------

    def current(self, public_id: str) -> tuple[str, Attestation]:
        """Return the token of the seller's newest live statement and its row.

        Raises NotFound for an unknown seller, StatementPending while the newest row does not
        say what the record now says (or there is none yet).
        """
        facts = badge_facts(self.session, public_id)
        row = self._newest_live(facts.seller_id)
        key = self.keys.find(row.kid) if row is not None else None
        if row is None or key is None or _binding(row.claims) != _binding(claims_of(facts, "")):
            raise StatementPending(
                "the statement about this seller is being issued; ask again in a few seconds",
                {"retry_after": 5},
            )
        token = sign_attestation(
            {**{k: v for k, v in row.claims.items() if k not in ("iat", "exp")}, "jti": row.jti},
            key,
            now=row.issued_at,
            lifetime=row.expires_at - row.issued_at,
        )
        return token, row

    def _newest_live(self, seller_id: int) -> Attestation | None:
        return self.session.execute(
            select(Attestation)
            .where(
                Attestation.seller_id == seller_id,
                Attestation.revoked_at.is_(None),
                Attestation.expires_at > self.now,
            )
            .order_by(Attestation.issued_at.desc(), Attestation.jti)
            .limit(1)
        ).scalar_one_or_none()

    def revoked(self) -> list[dict]:
        """Revoked statements that have not yet expired (what offline verifiers must refuse)."""
        rows = self.session.execute(
            select(Attestation, Seller.public_id)
            .join(Seller, Seller.id == Attestation.seller_id)
            .where(Attestation.revoked_at.is_not(None), Attestation.expires_at > self.now)
            .order_by(Attestation.revoked_at)
        )
        return [
            {
                "jti": a.jti,
                "sub": public_id,
                "revoked_at": a.revoked_at,
                "reason": a.revoked_reason,
                "expires_at": a.expires_at,
            }
            for a, public_id in rows
        ]

    # -- jobs: the only writers ------------------------------------------------------------

    def refresh(self, seller_ids: Iterable[int]) -> dict[str, int]:
        """Issue a new row for each seller whose facts changed; revoke what no longer holds."""
        counts = {"issued": 0, "revoked": 0}
        ids = list(dict.fromkeys(seller_ids))
        if not ids:
            return counts
        kid = key_id(self.keys.signing_key().public_key())
        public_ids = dict(
            self.session.execute(
                select(Seller.id, Seller.public_id).where(Seller.id.in_(ids))
            ).all()
        )
        for sid in ids:
            if sid not in public_ids:
                continue
            claims = claims_of(badge_facts(self.session, public_ids[sid]), self.issuer)
            live = self._live(sid)
            newest = live[0] if live else None
            if newest is not None and newest.kid == kid and newest.claims == claims:
                continue
            for row in live:
                if _binding(row.claims) != _binding(claims):
                    row.revoked_at = self.now
                    row.revoked_reason = "the seller's record changed"
                    counts["revoked"] += 1
            self._issue(sid, kid, claims)
            counts["issued"] += 1
        self.session.flush()
        return counts

    def due(self, limit: int = 5000) -> list[int]:
        """Ids of up to *limit* sellers without a live row far from its expiry, signed by a
        key still published (a read)."""
        fresh = exists().where(
            Attestation.seller_id == Seller.id,
            Attestation.revoked_at.is_(None),
            Attestation.expires_at > self.now + RENEW_BEFORE,
            Attestation.kid.not_in(sorted(self.keys.revoked())),
        )
        return list(
            self.session.execute(
                select(Seller.id).where(~fresh).order_by(Seller.id).limit(limit)
            ).scalars()
        )

    def renew(self, seller_ids: Iterable[int]) -> int:
        """Give each of these sellers (from ``due``) a new row; the older ones still hold."""
        ids = list(dict.fromkeys(seller_ids))
        if not ids:
            return 0
        kid = key_id(self.keys.signing_key().public_key())
        public_ids = dict(
            self.session.execute(
                select(Seller.id, Seller.public_id).where(Seller.id.in_(ids))
            ).all()
        )
        for sid, public_id in public_ids.items():
            self._issue(sid, kid, claims_of(badge_facts(self.session, public_id), self.issuer))
        self.session.flush()
        return len(public_ids)

    def purge(self) -> int:
        """Forget rows expired a day ago: no verifier accepts them, no list names them."""
        old = list(
            self.session.execute(
                select(Attestation).where(Attestation.expires_at < self.now - timedelta(days=1))
            ).scalars()
        )
        for row in old:
            self.session.delete(row)
        self.session.flush()
        return len(old)

    def _live(self, seller_id: int) -> list[Attestation]:
        return list(
            self.session.execute(
                select(Attestation)
                .where(
                    Attestation.seller_id == seller_id,
                    Attestation.revoked_at.is_(None),
                    Attestation.expires_at > self.now,
                )
                .order_by(Attestation.issued_at.desc(), Attestation.jti)
            ).scalars()
        )

    def _issue(self, seller_id: int, kid: str, claims: dict[str, Any]) -> None:
        issued = self.now  # the token's iat is its whole seconds, read back the same each time
        self.session.add(
            Attestation(
                jti=secrets.token_urlsafe(16),
                seller_id=seller_id,
                kid=kid,
                claims=claims,
                issued_at=issued,
                expires_at=issued + LIFETIME,
            )
        )

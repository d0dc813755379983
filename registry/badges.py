"""What a badge shows, and the signed statements platforms verify offline."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from .attestation import key_id, sign_attestation
from .cache import SellerCache
from .domains import BOUND_STATES, host_matches
from .errors import NotFound
from .keys import KeyRing
from .models import Attestation, Domain, Seller, SellerScore, utcnow

# Caps that mean "do not trust this seller now": shown as a warning, never a friendly badge.
ALARM_CAPS = frozenset(
    {
        "fraud_finding",
        "sanction_major_fine",
        "abnormal_operations",
        "serious_illegal_list",
        "licence_revoked",
        "trading_ban",
    }
)
LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class BadgeFacts:
    """The live facts a badge and the verification page show."""

    public_id: str
    legal_name: str
    grade: str  # display grade: a letter or NR
    value: float | None
    verified: bool
    alarms: tuple[str, ...]
    domains: tuple[str, ...]
    version: str  # changes whenever anything shown changes (ETag material)
    seller_id: int = 0  # internal id, to match change-log entries

    def state(self, host: str | None = None) -> str:
        """Decide the badge state; ``host`` is the embedding page's host when known."""
        if self.alarms:
            return "sanctioned"
        if self.grade == "F":
            return "failing"
        if host is not None and not host_matches(host, list(self.domains)):
            return "warning"
        if not self.verified:
            return "unverified"
        if self.grade == "NR":
            return "unknown"
        return "ok"

    def etag(self, *parts: str) -> str:
        return hashlib.sha256("|".join((self.version, *parts)).encode()).hexdigest()[:32]


def badge_facts(session: Session, public_id: str) -> BadgeFacts:
    """Load the facts for one seller with two small queries."""
    row = session.execute(
        select(
            Seller.id,
            Seller.public_id,
            Seller.legal_name,
            Seller.version,
            SellerScore.display_grade,
            SellerScore.value,
            SellerScore.verified,
            SellerScore.caps,
            SellerScore.computed_at,
        )
        .outerjoin(SellerScore, SellerScore.seller_id == Seller.id)
        .where(Seller.public_id == public_id)
    ).first()
    if row is None:
        raise NotFound(f"no seller with id {public_id!r}")
    sid, pid, name, version, grade, value, verified, caps, computed_at = row
    domains = tuple(
        session.execute(
            select(Domain.domain)
            .where(Domain.seller_id == sid, Domain.state.in_(BOUND_STATES))
            .order_by(Domain.domain)
        ).scalars()
    )
    alarms = tuple(sorted({c["reason"] for c in caps or [] if c["reason"] in ALARM_CAPS}))
    stamp = "|".join(
        map(
            str,
            (
                version,
                grade,
                round(value or 0, 1),
                verified,
                alarms,
                domains,
                computed_at is not None,
            ),
        )
    )
    return BadgeFacts(
        pid, name, grade or "NR", value, bool(verified), alarms, domains, stamp, seller_id=sid
    )


class FactsCache(SellerCache):
    """Badge facts per process: a badge is requested far more often than a record changes."""

    def get(self, session_factory, public_id: str) -> BadgeFacts:  # type: ignore[override]
        """Return the facts of one seller; ``session_factory`` opens a session on a miss."""

        def load(session: Session) -> tuple[int, BadgeFacts]:
            facts = badge_facts(session, public_id)
            return facts.seller_id, facts

        return super().get(session_factory, public_id, load)


class AttestationService:
    """Issues, lists and revokes signed statements; the caller commits."""

    def __init__(
        self, session: Session, keys: KeyRing, issuer: str, now: datetime | None = None
    ) -> None:
        self.session = session
        self.keys = keys
        self.issuer = issuer
        self.now = now or utcnow()

    def issue(self, public_id: str) -> tuple[str, Attestation]:
        facts = badge_facts(self.session, public_id)
        seller_id = self.session.execute(
            select(Seller.id).where(Seller.public_id == public_id)
        ).scalar_one()
        key = self.keys.signing_key()
        claims = {
            "iss": self.issuer,
            "sub": facts.public_id,
            "name": facts.legal_name,
            "domains": list(facts.domains),
            "grade": facts.grade,
            "score": None if facts.value is None else round(facts.value, 1),
            "verified": facts.verified,
            "alarms": list(facts.alarms),
            "jti": secrets.token_urlsafe(16),
        }
        token = sign_attestation(claims, key, now=self.now, lifetime=LIFETIME)
        row = Attestation(
            jti=claims["jti"],
            seller_id=seller_id,
            kid=key_id(key.public_key()),
            claims={k: claims[k] for k in ("grade", "verified", "domains", "alarms")},
            issued_at=self.now,
            expires_at=self.now + LIFETIME,
        )
        self.session.add(row)
        self.session.flush()
        return token, row

    def revoke_stale(self, seller_ids: list[int]) -> int:
        """Revoke live statements whose grade, verification, alarms or domains changed."""
        count = 0
        rows = self.session.execute(
            select(Attestation, Seller.public_id)
            .join(Seller, Seller.id == Attestation.seller_id)
            .where(
                Attestation.seller_id.in_(seller_ids),
                Attestation.revoked_at.is_(None),
                Attestation.expires_at > self.now,
            )
        ).all()
        for attestation, public_id in rows:
            facts = badge_facts(self.session, public_id)
            now_claims = {
                "grade": facts.grade,
                "verified": facts.verified,
                "domains": list(facts.domains),
                "alarms": list(facts.alarms),
            }
            if attestation.claims != now_claims:
                attestation.revoked_at = self.now
                attestation.revoked_reason = "the seller's record changed"
                count += 1
        self.session.flush()
        return count

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

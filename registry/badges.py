"""What a badge shows, and the signed statements platforms verify offline."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.engine import Dialect, Engine
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


# One statement, so one snapshot: the seller, its score and its bound domains, one row per
# domain (or a single row with no domain). Core tables, not ORM entities: nothing to construct.
_SELLER, _SCORE, _DOMAIN = Seller.__table__, SellerScore.__table__, Domain.__table__
FACTS_QUERY = (
    select(
        _SELLER.c.id,
        _SELLER.c.public_id,
        _SELLER.c.legal_name,
        _SELLER.c.version,
        _SCORE.c.display_grade,
        _SCORE.c.value,
        _SCORE.c.verified,
        _SCORE.c.caps,
        _SCORE.c.computed_at,
        _DOMAIN.c.domain,
    )
    .select_from(
        _SELLER.outerjoin(_SCORE, _SCORE.c.seller_id == _SELLER.c.id).outerjoin(
            _DOMAIN,
            # OR of plain binds rather than IN: an IN list is expanded per call, which would
            # leave no fixed SQL to prepare.
            and_(
                _DOMAIN.c.seller_id == _SELLER.c.id,
                or_(*(_DOMAIN.c.state == state for state in BOUND_STATES)),
            ),
        )
    )
    .where(_SELLER.c.public_id == bindparam("public_id"))
    .order_by(_DOMAIN.c.domain)
)


def _facts_from_rows(rows: Sequence[Sequence[Any]], public_id: str) -> BadgeFacts:
    if not rows:
        raise NotFound(f"no seller with id {public_id!r}")
    sid, pid, name, version, grade, value, verified, caps, computed_at, _ = rows[0]
    domains = tuple(r[9] for r in rows if r[9] is not None)
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


def badge_facts(session: Session, public_id: str) -> BadgeFacts:
    """Load the facts for one seller in the session's transaction (sees its own writes)."""
    rows = session.connection().execute(FACTS_QUERY, {"public_id": public_id}).all()
    return _facts_from_rows(rows, public_id)


class _Plan:
    """FACTS_QUERY compiled for one dialect: SQL, parameters, and each column's conversion."""

    def __init__(self, dialect: Dialect) -> None:
        compiled = FACTS_QUERY.compile(dialect=dialect)
        self.dialect = dialect
        self.sql = str(compiled)

        def converter(name: str) -> Callable[[Any], Any]:
            process = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            return process or (lambda value: value)

        fixed = compiled.construct_params({"public_id": ""})
        self._fixed = {k: converter(k)(v) for k, v in fixed.items()}
        self._convert_id = converter("public_id")
        self._names = list(compiled.positiontup or ()) if compiled.positional else None
        # Some drivers' conversions depend on the type codes a first execution reports.
        self._converters: list[Callable[[Any], Any] | None] | None = None

    def params(self, public_id: str) -> Any:
        values = {**self._fixed, "public_id": self._convert_id(public_id)}
        return values if self._names is None else tuple(values[n] for n in self._names)

    def rows(self, cursor: Any) -> list[list[Any]]:
        """The fetched rows with SQLAlchemy's own result conversion of each column."""
        fetched = cursor.fetchall()
        if self._converters is None:
            self._converters = [
                column.type.dialect_impl(self.dialect).result_processor(self.dialect, info[1])
                for column, info in zip(FACTS_QUERY.selected_columns, cursor.description)
            ]
        converters = self._converters
        return [
            [value if fn is None else fn(value) for fn, value in zip(converters, row)]
            for row in fetched
        ]


@lru_cache(maxsize=8)
def _plan(dialect: Dialect) -> _Plan:
    return _Plan(dialect)


def read_facts(engine: Engine, public_id: str) -> BadgeFacts:
    """Load the facts for one seller outside any session: one prepared statement, no ORM.

    The badge's cache-miss path. The statement is compiled once per dialect and run on a
    pooled DBAPI connection with the same bind and result conversions SQLAlchemy applies,
    sparing the per-call statement handling that costs many times the lookup itself.
    """
    plan = _plan(engine.dialect)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            cursor.execute(plan.sql, plan.params(public_id))
            rows = plan.rows(cursor)
        finally:
            cursor.close()
    finally:
        raw.close()  # back to the pool, which ends any transaction the driver began
    return _facts_from_rows(rows, public_id)


class FactsCache(SellerCache):
    """Badge facts per process: a badge is requested far more often than a record changes."""

    def get(self, session_factory, public_id: str) -> BadgeFacts:  # type: ignore[override]
        """Return the facts of one seller; ``session_factory`` opens a session on a miss."""

        def load(session: Session) -> tuple[int, BadgeFacts]:
            facts = read_facts(session.get_bind(), public_id)
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

"""What a seller's public profile shows, read in a few queries; and the public warnings.

A profile that no worker has cached yet is read by ``read_profile``: five small statements for
a seller without events, seven or eight with, each compiled once per dialect and run on the
DBAPI cursor (``PreparedSelect``); only the columns shown, no ORM objects.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlmodel import Session

import scoring

from .complaints.models import Complaint
from .complaints.rules import PUBLIC_STATES
from .core.errors import NotFound
from .core.prepared import PreparedSelect, one_of
from .core.types import utcnow
from .events.models import Event
from .registration.models import Domain, Identity, Seller, Store
from .scores.models import ScoreHistory, SellerScore
from .scores.service import stored_score
from .sellers import PUBLIC_DOMAIN_STATES, identity_is_current

FULFILLMENT_WINDOW = timedelta(days=90)
# Published thresholds per 1,000 orders (SCORING.md anchors: Amazon and eBay).
THRESHOLDS = {"late_shipment": 40.0, "seller_cancellation": 25.0, "disputes": 10.0}
WARNING_KINDS = tuple(sorted(scoring.SANCTION_KINDS))
PEER_MINIMUM = 10


@dataclass(frozen=True)
class Rate:
    name: str
    count: int
    per_thousand: float | None
    threshold: float

    @property
    def within(self) -> bool | None:
        return None if self.per_thousand is None else self.per_thousand <= self.threshold


Bind = Session | Connection | Engine | Callable[[str], Iterable[float]]


class PeerIndex:
    """Sorted scores per category, reloaded after ``ttl`` seconds, for "better than x %".

    Counting a category's sellers on every profile view costs a scan of the category; a
    percentile a few minutes old is as true to the reader.
    """

    def __init__(self, ttl: float = 600.0, clock=None) -> None:
        import time

        self.ttl = ttl
        self.clock = clock or time.monotonic
        self._scores: dict[str, tuple[float, list[float]]] = {}

    def scores(self, bind: Bind, category: str) -> list[float]:
        """The category's scores, sorted; ``bind`` reads them (or is a function that does)."""
        cached = self._scores.get(category)
        if cached is None or self.clock() - cached[0] > self.ttl:
            query = (
                select(SellerScore.value)
                .join(Seller, Seller.id == SellerScore.seller_id)
                .where(Seller.category == category)
            )
            if isinstance(bind, Engine):
                with bind.connect() as conn:
                    values = sorted(conn.execute(query).scalars())
            elif callable(bind):
                values = sorted(bind(category))
            else:
                values = sorted(bind.execute(query).scalars())
            cached = self._scores[category] = (self.clock(), values)
        return cached[1]

    def percentile(self, session: Session, seller: Seller) -> tuple[float, int] | None:
        """Share of the other scored sellers in the category with a lower score, and how many."""
        mine = session.get(SellerScore, seller.id)
        if mine is None:
            return None
        return self.rank(session, seller.category, mine.value)

    def rank(self, bind: Bind, category: str | None, value: float) -> tuple[float, int] | None:
        """Share of the other scored sellers of ``category`` below ``value``, and how many."""
        if not category:
            return None
        values = self.scores(bind, category)
        others = len(values) - 1  # the seller itself is among them
        if others < PEER_MINIMUM:
            return None
        lower = bisect_left(values, value)
        return 100.0 * lower / others, others


PEERS = PeerIndex()


def peer_percentile(session: Session, seller: Seller) -> tuple[float, int] | None:
    """Share of scored sellers in the same category with a lower score, and the group size."""
    return PEERS.percentile(session, seller)


# -- the profile page ------------------------------------------------------------------------

FULFILLMENT_KINDS = {
    "late_shipment": ("late_shipment",),
    "seller_cancellation": ("seller_cancellation",),
    "disputes": ("dispute_opened", "dispute_lost", "chargeback"),
}
VERIFIED_ORDER = ("platform", "regulator")  # who may verify an order that counts
_seller, _score, _history = Seller.__table__, SellerScore.__table__, ScoreHistory.__table__
_identity, _store, _domain = Identity.__table__, Store.__table__, Domain.__table__
_event, _complaint = Event.__table__, Complaint.__table__
_SELLER_ID = bindparam("seller_id")


# Core statements on the tables, prepared once per dialect (see registry.core.prepared).
_CARD = (
    select(
        _seller.c.id,
        _seller.c.public_id,
        _seller.c.legal_name,
        _seller.c.english_name,
        _seller.c.former_names,
        _seller.c.entity_type,
        _seller.c.status,
        _seller.c.legal_representative,
        _seller.c.established_on,
        _seller.c.registered_address,
        _seller.c.registration_authority,
        _seller.c.province,
        _seller.c.city,
        _seller.c.category,
        _score.c.seller_id.label("scored"),
        _score.c.value,
        _score.c.grade,
        _score.c.display_grade,
        _score.c.verified,
        _score.c.limited_history,
        _score.c.caps,
        _score.c.parts,
        _score.c.version,
        _score.c.computed_at,
        # Most sellers have no events: then the event statements need not run at all.
        exists().where(_event.c.seller_id == _seller.c.id).label("has_events"),
    )
    .select_from(_seller.outerjoin(_score, _score.c.seller_id == _seller.c.id))
    .where(_seller.c.public_id == bindparam("public_id"))
)
_IDENTITIES = (
    select(
        _identity.c.scheme,
        _identity.c.value,
        _identity.c.verified_by,
        _identity.c.verifier_role,
        _identity.c.verified_at,
        _identity.c.expires_at,
    )
    .where(_identity.c.seller_id == _SELLER_ID)
    .order_by(_identity.c.id)
)
_STORES = (
    select(_store.c.platform, _store.c.store_name, _store.c.store_url)
    .where(_store.c.seller_id == _SELLER_ID)
    .order_by(_store.c.id)
)
_DOMAINS = (
    select(_domain.c.domain, _domain.c.state, _domain.c.proven_at)
    .where(_domain.c.seller_id == _SELLER_ID, one_of(_domain.c.state, PUBLIC_DOMAIN_STATES))
    .order_by(_domain.c.id)
)
_HISTORY = (
    select(_history.c.computed_at, _history.c.value)
    .where(_history.c.seller_id == _SELLER_ID)
    .order_by(_history.c.computed_at, _history.c.id)
)
# Orders are most of the events and matter only as a number; every other event is read.
_RECENT_ORDERS = select(func.count()).where(
    _event.c.seller_id == _SELLER_ID,
    _event.c.kind == "order",
    _event.c.occurred_at > bindparam("since"),
    one_of(_event.c.verification, VERIFIED_ORDER),
)
_OTHER_EVENTS = (
    select(
        _event.c.id,
        _event.c.kind,
        _event.c.occurred_at,
        _event.c.category,
        _event.c.resolution,
        _event.c.verification,
        _event.c.summary,
        _event.c.ends_at,
        _event.c.lifted_at,
        _event.c.complaint_id,
    )
    .where(_event.c.seller_id == _SELLER_ID, _event.c.kind != "order")
    .order_by(_event.c.occurred_at.desc())
)
# What PeerIndex reads of a category (through the page's own connection).
_PEER_SCORES = (
    select(_score.c.value)
    .select_from(_score.join(_seller, _seller.c.id == _score.c.seller_id))
    .where(_seller.c.category == bindparam("category"))
)
# Only the public columns: the contact, name and original narrative are never read here.
_PUBLIC_COMPLAINTS = (
    select(
        _complaint.c.public_id.label("id"),
        _complaint.c.category,
        _complaint.c.status,
        _complaint.c.status_reason,
        _complaint.c.created_at,
        _complaint.c.narrative_public.label("narrative"),
        _complaint.c.merchant_reply,
        _complaint.c.outcome,
    )
    .where(_complaint.c.seller_id == _SELLER_ID, one_of(_complaint.c.status, PUBLIC_STATES))
    .order_by(_complaint.c.created_at.desc(), _complaint.c.id.desc())
)


@lru_cache(maxsize=8)
def _prepared(dialect: Dialect) -> SimpleNamespace:
    return SimpleNamespace(
        card=PreparedSelect(_CARD, dialect, ("public_id",)),
        identities=PreparedSelect(_IDENTITIES, dialect, ("seller_id",)),
        stores=PreparedSelect(_STORES, dialect, ("seller_id",)),
        domains=PreparedSelect(_DOMAINS, dialect, ("seller_id",)),
        history=PreparedSelect(_HISTORY, dialect, ("seller_id",)),
        recent_orders=PreparedSelect(_RECENT_ORDERS, dialect, ("seller_id", "since")),
        other_events=PreparedSelect(_OTHER_EVENTS, dialect, ("seller_id",)),
        complaints=PreparedSelect(_PUBLIC_COMPLAINTS, dialect, ("seller_id",)),
        peer_scores=PreparedSelect(_PEER_SCORES, dialect, ("category",)),
    )


@dataclass(frozen=True)
class IdentityLine:
    scheme: str
    value: str
    verified_by: str | None
    verified_at: datetime | None
    expires_at: datetime | None
    current: bool


@dataclass(frozen=True)
class ScoreCard:
    value: float
    grade: str
    display_grade: str
    limited_history: bool
    caps: list[dict]
    version: int
    computed_at: datetime
    explanation: str  # in the reader's language


@dataclass(frozen=True)
class Profile:
    """Everything the profile page shows of one seller."""

    seller_id: int
    id: str  # the public id
    legal_name: str
    english_name: str | None
    former_names: list[str]
    entity_type: str
    status: str
    legal_representative: str | None
    established_on: date | None
    registered_address: str | None
    registration_authority: str | None
    province: str | None
    city: str | None
    category: str | None
    verified: bool
    identities: list[IdentityLine]
    stores: list[Any]  # platform, store_name, store_url
    domains: list[Any]  # domain, state, proven_at (public states only)
    score: ScoreCard | None
    peer: tuple[float, int] | None
    history: list[tuple[datetime, float]]  # (computed_at, value), oldest first
    orders: int  # verified orders in the last 90 days
    rates: list[Rate]
    complaint_outcomes: dict[str, dict[str, int]]  # category -> resolution -> count
    contributors: list[dict[str, Any]]  # kind, points, at: what cost the most points
    complaints: list[Any]  # the public view of complaints filed here, newest first
    platform_complaints: list[Any]  # complaints platforms reported, newest first
    frauds: list[Any]
    sanctions: list[Any]


def read_profile(
    engine: Engine, public_id: str, lang: str = "zh", now: datetime | None = None
) -> Profile:
    """Read the profile of ``public_id`` (``lang``: the explanation's language).

    Five small statements for a seller without events, seven or eight with, on one pooled
    DBAPI connection and (on SQLite) in one read transaction, so one snapshot.
    """
    now = now or utcnow()
    q = _prepared(engine.dialect)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            if engine.dialect.name == "sqlite":  # the driver begins none for reads
                cursor.execute("BEGIN")

            # A category's scores are read (rarely) on the same connection: a second one
            # would join the pool and take turns with this one, each with a colder cache.
            def scores(category: str) -> list[float]:
                return [row[0] for row in q.peer_scores.all(cursor, category=category)]

            return _profile(q, cursor, public_id, lang, now, lambda c, v: PEERS.rank(scores, c, v))
        finally:
            cursor.close()
    finally:
        raw.close()  # back to the pool, which ends the transaction


def _profile(
    q: SimpleNamespace,
    cursor: Any,
    public_id: str,
    lang: str,
    now: datetime | None,
    rank: Callable[[str | None, float], tuple[float, int] | None],
) -> Profile:
    now = now or utcnow()
    since = now - FULFILLMENT_WINDOW
    found = q.card.all(cursor, public_id=public_id)
    if not found:
        raise NotFound(f"no seller with id {public_id!r}")
    card = found[0]
    sid = card.id
    identities = [
        IdentityLine(
            i.scheme,
            i.value,
            i.verified_by,
            i.verified_at,
            i.expires_at,
            identity_is_current(i, now),
        )
        for i in q.identities.all(cursor, seller_id=sid)
    ]
    score = None
    top: list[dict] = []
    if card.scored is not None:
        top = (card.parts or {}).get("top") or []
        score = ScoreCard(
            card.value,
            card.grade,
            card.display_grade,
            card.limited_history,
            card.caps or [],
            card.version,
            card.computed_at,
            stored_score(card).explain(lang),  # type: ignore[arg-type]
        )
    orders, events, complaints = 0, [], []
    if card.has_events:
        orders = q.recent_orders.all(cursor, seller_id=sid, since=since)[0][0]
        events = q.other_events.all(cursor, seller_id=sid)
        # Accepting a complaint records its event in the same transaction, and only accepted
        # complaints are public: without such an event there is no public complaint to read.
        if any(e.complaint_id is not None for e in events):
            complaints = q.complaints.all(cursor, seller_id=sid)
    recent: dict[str, int] = {}
    outcomes: dict[str, dict[str, int]] = {}
    for e in events:
        if e.occurred_at > since:
            recent[e.kind] = recent.get(e.kind, 0) + 1
        if e.kind == "complaint":
            by_outcome = outcomes.setdefault(e.category or "other", {})
            key = e.resolution or "pending"
            by_outcome[key] = by_outcome.get(key, 0) + 1
    rates = []
    for name, kinds in FULFILLMENT_KINDS.items():
        n = sum(recent.get(k, 0) for k in kinds)
        rates.append(Rate(name, n, (1000.0 * n / orders) if orders else None, THRESHOLDS[name]))
    dates = {str(e.id): e.occurred_at for e in events}  # contributors are never orders
    return Profile(
        seller_id=sid,
        id=card.public_id,
        legal_name=card.legal_name,
        english_name=card.english_name,
        former_names=card.former_names or [],
        entity_type=card.entity_type,
        status=card.status,
        legal_representative=card.legal_representative,
        established_on=card.established_on,
        registered_address=card.registered_address,
        registration_authority=card.registration_authority,
        province=card.province,
        city=card.city,
        category=card.category,
        verified=any(i.current for i in identities),
        identities=identities,
        stores=q.stores.all(cursor, seller_id=sid),
        domains=q.domains.all(cursor, seller_id=sid),
        score=score,
        peer=None if score is None else rank(card.category, card.value),
        history=[(t, v) for t, v in q.history.all(cursor, seller_id=sid)],
        orders=orders,
        rates=rates,
        complaint_outcomes=outcomes,
        contributors=[
            {"kind": c["kind"], "points": c["points"], "at": dates.get(str(c.get("event_id")))}
            for c in top
            if c.get("points", 0) > 0.05
        ],
        complaints=complaints,
        platform_complaints=[e for e in events if e.kind == "complaint" and e.complaint_id is None],
        frauds=[e for e in events if e.kind == "fraud_report"],
        sanctions=[e for e in events if e.kind in WARNING_KINDS],
    )


def recent_warnings(
    session: Session, limit: int = 8, now: datetime | None = None
) -> list[tuple[Event, Seller]]:
    """Sanctions and regulator-verified fraud findings of the last three years, newest first."""
    now = now or utcnow()
    rows = session.execute(
        select(Event, Seller)
        .join(Seller, Seller.id == Event.seller_id)
        .where(
            Event.occurred_at > now - timedelta(days=3 * 365),
            Event.lifted_at.is_(None),
            or_(
                Event.kind.in_(WARNING_KINDS),
                and_(Event.kind == "fraud_report", Event.verification == "regulator"),
            ),
        )
        .order_by(Event.occurred_at.desc())
        .limit(limit)
    ).all()
    return [(event, seller) for event, seller in rows]

"""What a seller's public profile shows, read in a few queries; and the public warnings.

A profile that no worker has cached yet is read by ``load_profile`` with seven statements at
most (four for a seller without events), built once per process: building a select costs
more than running it, and loading ORM objects several times more than reading the columns.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.engine import Row
from sqlmodel import Session

import scoring

from .complaints import PUBLIC_STATES
from .errors import NotFound
from .models import (
    Complaint,
    Domain,
    Event,
    Identity,
    ScoreHistory,
    Seller,
    SellerScore,
    Store,
    utcnow,
)
from .scores import stored_score
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

    def scores(self, session: Session, category: str) -> list[float]:
        cached = self._scores.get(category)
        if cached is None or self.clock() - cached[0] > self.ttl:
            values = sorted(
                session.execute(
                    select(SellerScore.value)
                    .join(Seller, Seller.id == SellerScore.seller_id)
                    .where(Seller.category == category)
                ).scalars()
            )
            cached = self._scores[category] = (self.clock(), values)
        return cached[1]

    def percentile(self, session: Session, seller: Seller) -> tuple[float, int] | None:
        """Share of the other scored sellers in the category with a lower score, and how many."""
        mine = session.get(SellerScore, seller.id)
        if mine is None:
            return None
        return self.rank(session, seller.category, mine.value)

    def rank(
        self, session: Session, category: str | None, value: float
    ) -> tuple[float, int] | None:
        """Share of the other scored sellers of ``category`` below ``value``, and how many."""
        if not category:
            return None
        values = self.scores(session, category)
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
DETAIL_KINDS = ("complaint", "fraud_report", *WARNING_KINDS)
_seller, _score, _history = Seller.__table__, SellerScore.__table__, ScoreHistory.__table__
_identity, _store, _domain = Identity.__table__, Store.__table__, Domain.__table__
_event, _complaint = Event.__table__, Complaint.__table__
_SELLER_ID = bindparam("seller_id")

# Core statements on the tables (not the models): no ORM compilation step, plain rows back.
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
    .where(_domain.c.seller_id == _SELLER_ID, _domain.c.state.in_(PUBLIC_DOMAIN_STATES))
    .order_by(_domain.c.id)
)
_HISTORY = (
    select(_history.c.computed_at, _history.c.value)
    .where(_history.c.seller_id == _SELLER_ID)
    .order_by(_history.c.computed_at, _history.c.id)
)
# Every event of the seller counted once, in groups: the fulfillment rates (the last 90 days,
# orders only when a platform or regulator verified them), complaints by category and
# outcome, and whether any event is worth reading one by one.
_EVENT_COUNTS = (
    select(
        _event.c.kind,
        _event.c.category,
        _event.c.resolution,
        func.count(),
        func.count().filter(
            and_(
                _event.c.occurred_at > bindparam("since"),
                or_(
                    _event.c.kind != "order",
                    _event.c.verification.in_(["platform", "regulator"]),
                ),
            )
        ),
        func.count(_event.c.complaint_id),
    )
    .where(_event.c.seller_id == _SELLER_ID)
    .group_by(_event.c.kind, _event.c.category, _event.c.resolution)
)
_EVENT_DETAILS = (
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
    .where(
        _event.c.seller_id == _SELLER_ID,
        or_(_event.c.kind.in_(DETAIL_KINDS), _event.c.id.in_(bindparam("ids", expanding=True))),
    )
    .order_by(_event.c.occurred_at.desc())
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
    .where(_complaint.c.seller_id == _SELLER_ID, _complaint.c.status.in_(PUBLIC_STATES))
    .order_by(_complaint.c.created_at.desc(), _complaint.c.id.desc())
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
    stores: list[Row]  # platform, store_name, store_url
    domains: list[Row]  # domain, state, proven_at (public states only)
    score: ScoreCard | None
    peer: tuple[float, int] | None
    history: list[tuple[datetime, float]]  # (computed_at, value), oldest first
    orders: int  # verified orders in the last 90 days
    rates: list[Rate]
    complaint_outcomes: dict[str, dict[str, int]]  # category -> resolution -> count
    contributors: list[dict[str, Any]]  # kind, points, at: what cost the most points
    complaints: list[Row]  # the public view of complaints filed here, newest first
    platform_complaints: list[Row]  # complaints platforms reported, newest first
    frauds: list[Row]
    sanctions: list[Row]


def load_profile(
    session: Session, public_id: str, lang: str = "zh", now: datetime | None = None
) -> Profile:
    """Read the profile of ``public_id`` (``lang``: the explanation's language)."""
    now = now or utcnow()
    conn = session.connection()
    card = conn.execute(_CARD, {"public_id": public_id}).first()
    if card is None:
        raise NotFound(f"no seller with id {public_id!r}")
    key = {"seller_id": card.id}
    identities = [
        IdentityLine(
            i.scheme,
            i.value,
            i.verified_by,
            i.verified_at,
            i.expires_at,
            identity_is_current(i, now),
        )
        for i in conn.execute(_IDENTITIES, key)
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
    counts = conn.execute(_EVENT_COUNTS, {**key, "since": now - FULFILLMENT_WINDOW}).all()
    recent: dict[str, int] = {}
    outcomes: dict[str, dict[str, int]] = {}
    detailed = linked = False
    for kind, category, resolution, n, n_recent, n_linked in counts:
        recent[kind] = recent.get(kind, 0) + n_recent
        if kind == "complaint":
            by_outcome = outcomes.setdefault(category or "other", {})
            by_outcome[resolution or "pending"] = by_outcome.get(resolution or "pending", 0) + n
            # Accepting a complaint records its event in the same transaction, and only
            # accepted complaints are public: no linked event, no public complaint to read.
            linked = linked or n_linked > 0
        detailed = detailed or kind in DETAIL_KINDS
    ids = [int(c["event_id"]) for c in top if str(c.get("event_id") or "").isdigit()]
    details = conn.execute(_EVENT_DETAILS, {**key, "ids": ids}).all() if detailed or ids else []
    dates = {e.id: e.occurred_at for e in details}
    orders = recent.get("order", 0)
    rates = []
    for name, kinds in FULFILLMENT_KINDS.items():
        n = sum(recent.get(k, 0) for k in kinds)
        rates.append(Rate(name, n, (1000.0 * n / orders) if orders else None, THRESHOLDS[name]))
    return Profile(
        seller_id=card.id,
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
        stores=conn.execute(_STORES, key).all(),
        domains=conn.execute(_DOMAINS, key).all(),
        score=score,
        peer=None if score is None else PEERS.rank(session, card.category, card.value),
        history=[(t, v) for t, v in conn.execute(_HISTORY, key)],
        orders=orders,
        rates=rates,
        complaint_outcomes=outcomes,
        contributors=[
            {
                "kind": c["kind"],
                "points": c["points"],
                "at": dates.get(int(c["event_id"]))
                if str(c.get("event_id") or "").isdigit()
                else None,
            }
            for c in top
            if c.get("points", 0) > 0.05
        ],
        complaints=conn.execute(_PUBLIC_COMPLAINTS, key).all() if linked else [],
        platform_complaints=[
            e for e in details if e.kind == "complaint" and e.complaint_id is None
        ],
        frauds=[e for e in details if e.kind == "fraud_report"],
        sanctions=[e for e in details if e.kind in WARNING_KINDS],
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

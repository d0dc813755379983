"""What a seller's public profile shows: its view, and the profile's own sections on top.

A profile that no worker has cached yet is read by ``read_profile``: the seller's view
(registry.read.view) and its score history, two small statements for a seller without
events, four or five with, each compiled once per dialect and run on the DBAPI cursor
(``PreparedSelect``); only the columns shown, no ORM objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, case, select
from sqlalchemy.engine import Dialect, Engine

from ..complaints.models import Complaint
from ..complaints.rules import PUBLIC_STATES
from ..core.errors import NotFound
from ..core.prepared import PreparedSelect, one_of
from ..core.types import utcnow
from ..disputes.models import Dispute
from ..events.models import Event
from ..registration.models import Seller
from ..scores.models import ScoreHistory, SellerScore
from ..scores.service import stored_score
from . import display
from .peers import PEERS
from .rates import PROFILE_RATES, RECENT_FULFILLMENT, Rate, rates_of
from .rates import since as recent_since
from .view import SellerView, read_views
from .warnings import WARNING_KINDS

_seller, _score, _history = Seller.__table__, SellerScore.__table__, ScoreHistory.__table__
_event, _complaint, _dispute = Event.__table__, Complaint.__table__, Dispute.__table__
_SELLER_ID = bindparam("seller_id")


# Core statements on the tables, prepared once per dialect (see registry.core.prepared).
_HISTORY = (
    select(_history.c.computed_at, _history.c.value)
    .where(_history.c.seller_id == _SELLER_ID)
    .order_by(_history.c.computed_at, _history.c.id)
)
# Orders are most of the events and matter only as a number (registry.read.rates); every
# other event is read.
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
        # Only its category and outcome when the complainant chose not to publish the words.
        case((_complaint.c.publish_narrative, _complaint.c.narrative_public), else_=None).label(
            "narrative"
        ),
        case((_complaint.c.publish_narrative, _complaint.c.merchant_reply), else_=None).label(
            "merchant_reply"
        ),
        _complaint.c.merchant_response,
        _complaint.c.outcome,
        _complaint.c.decision,
        _complaint.c.decision_reason,
    )
    .where(_complaint.c.seller_id == _SELLER_ID, one_of(_complaint.c.status, PUBLIC_STATES))
    .order_by(_complaint.c.created_at.desc(), _complaint.c.id.desc())
)

# A seller's disputes of its records and their decisions: only what is published of them.
_DISPUTES = (
    select(
        _dispute.c.public_id.label("id"),
        _dispute.c.kind,
        _dispute.c.event_id,
        _event.c.kind.label("record_kind"),
        _event.c.occurred_at.label("record_at"),
        _dispute.c.status,
        _dispute.c.statement,
        _dispute.c.created_at,
        _dispute.c.decided_at,
        _dispute.c.reason,
    )
    .join(_event, _event.c.id == _dispute.c.event_id)
    .where(_dispute.c.seller_id == _SELLER_ID)
    .order_by(_dispute.c.created_at.desc(), _dispute.c.id.desc())
)


@lru_cache(maxsize=8)
def _prepared(dialect: Dialect) -> SimpleNamespace:
    return SimpleNamespace(
        history=PreparedSelect(_HISTORY, dialect, ("seller_id",)),
        recent=PreparedSelect(RECENT_FULFILLMENT, dialect, ("seller_id", "since")),
        other_events=PreparedSelect(_OTHER_EVENTS, dialect, ("seller_id",)),
        complaints=PreparedSelect(_PUBLIC_COMPLAINTS, dialect, ("seller_id",)),
        disputes=PreparedSelect(_DISPUTES, dialect, ("seller_id",)),
        peer_scores=PreparedSelect(_PEER_SCORES, dialect, ("category",)),
    )


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
    """Everything the profile page shows of one seller: the public record (the one read
    model, ``seller``) and the sections only the profile reads on top of it."""

    seller: SellerView
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
    decisions: list[Any]  # regulators' findings in force, with their decisions (SanctionLine)
    sanctions: list[Any]  # sanction events recorded without a decision
    disputes: list[Any]  # the seller's disputes of its records, newest first

    @property
    def shown(self) -> display.Shown:
        """What the public is shown of the standing (display.py)."""
        return self.seller.shown


def read_profile(
    engine: Engine, public_id: str, lang: str = "zh", now: datetime | None = None
) -> Profile:
    """Read the profile of ``public_id`` (``lang``: the explanation's language).

    Two small statements for a seller without events, four or five with, on one pooled
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
            views = read_views((cursor, engine.dialect), public_ids=(public_id,), now=now)
            if not views:
                raise NotFound(f"no seller with id {public_id!r}")

            # A category's scores are read (rarely) on the same connection: a second one
            # would join the pool and take turns with this one, each with a colder cache.
            def scores(category: str) -> list[float]:
                return [row[0] for row in q.peer_scores.all(cursor, category=category)]

            return profile_of(views[0], q, cursor, lang, now, lambda c, v: PEERS.rank(scores, c, v))
        finally:
            cursor.close()
    finally:
        raw.close()  # back to the pool, which ends the transaction


def profile_of(
    view: SellerView,
    q: SimpleNamespace,
    cursor: Any,
    lang: str,
    now: datetime,
    rank: Callable[[str | None, float], tuple[float, int] | None],
) -> Profile:
    """The profile's projection of a seller's view, with its own sections read on top."""
    since = recent_since(now)
    sid = view.seller_id
    score, top = None, []
    if view.score is not None:
        card = view.score
        top = (card.parts or {}).get("top") or []
        score = ScoreCard(
            card.value,
            card.grade,
            card.display_grade,
            card.limited_history,
            card.caps,
            card.version,
            card.computed_at,
            stored_score(card).explain(lang),  # type: ignore[arg-type]
        )
    sums: dict[str, int] = {}
    events, complaints, disputes = [], [], []
    if view.has_events:  # a dispute is of an event: without events there is none
        disputes = q.disputes.all(cursor, seller_id=sid)
        sums = dict(q.recent.all(cursor, seller_id=sid, since=since))
        events = q.other_events.all(cursor, seller_id=sid)
        # Accepting a complaint records its event in the same transaction, and only accepted
        # complaints are public: without such an event there is no public complaint to read.
        if any(e.complaint_id is not None for e in events):
            complaints = q.complaints.all(cursor, seller_id=sid)
    outcomes: dict[str, dict[str, int]] = {}
    for e in events:
        if e.kind == "complaint":
            by_outcome = outcomes.setdefault(e.category or "other", {})
            key = e.resolution or "pending"
            by_outcome[key] = by_outcome.get(key, 0) + 1
    orders = int(sums.get("order") or 0)
    rates = rates_of(sums, PROFILE_RATES)
    dates = {str(e.id): e.occurred_at for e in events}  # contributors are never orders
    shown = [e for e in events if not display.withdrawn(e.resolution)]
    return Profile(
        seller=view,
        score=score,
        peer=None if score is None else rank(view.category, score.value),
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
        platform_complaints=[e for e in shown if e.kind == "complaint" and e.complaint_id is None],
        frauds=list(view.frauds),
        decisions=list(view.sanctions),
        sanctions=[e for e in shown if e.kind in WARNING_KINDS and e.id not in view.decided_events],
        disputes=disputes,
    )

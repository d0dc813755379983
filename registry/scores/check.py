"""Check stored scores against a recomputation from the events (``flask check-scores``).

A stored score is brought forward incrementally from a stored state; a crash mid-rescore, a
bug in the incremental path or a hand edit would leave a score that its events do not give.
Here a sample of sellers is recomputed from all their events, as of the moment each stored
score was computed and from the events it had seen (``last_event_id``), and compared. A seller
with changes the rescore job has not consumed yet is "pending", not a difference.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session

import scoring

from ..events.models import Event
from ..journal import changelog
from ..registration.models import Seller
from .models import SellerScore
from .service import EVENT_COLUMNS, RESCORE_CONSUMER, verified_sellers

#: the score difference that is a difference (scores are stored as floats)
TOLERANCE = 1e-6
COMPARED = ("value", "grade", "display_grade", "caps")
_ID = [column.key for column in EVENT_COLUMNS].index("id")


@dataclass(frozen=True)
class Difference:
    public_id: str
    field: str
    stored: object
    recomputed: object


@dataclass
class CheckReport:
    checked: int = 0
    pending: int = 0  # changed since their last rescore: checked at the next run
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _sample(session: Session, size: int, rng: random.Random) -> list[int]:
    """Up to ``size`` scored sellers, spread over the id range (no full table sort)."""
    low, high = session.execute(
        select(func.min(SellerScore.seller_id), func.max(SellerScore.seller_id))
    ).one()
    if low is None:
        return []
    total = session.execute(select(func.count()).select_from(SellerScore)).scalar_one()
    if total <= size:
        return list(session.execute(select(SellerScore.seller_id)).scalars())
    ids: set[int] = set()
    while len(ids) < size:
        start = rng.randint(low, high)
        ids.update(
            session.execute(
                select(SellerScore.seller_id)
                .where(SellerScore.seller_id >= start)
                .order_by(SellerScore.seller_id)
                .limit(min(50, size - len(ids)))
            ).scalars()
        )
    return sorted(ids)


def check_scores(session: Session, size: int = 1000, seed: int | None = None) -> CheckReport:
    """Recompute a sample of ``size`` stored scores from their events and compare."""
    report = CheckReport()
    ids = _sample(session, size, random.Random(seed))
    if not ids:
        return report
    pending = changelog.changed_after(session, RESCORE_CONSUMER, ids)
    report.pending = len(pending)
    stored = {
        row.seller_id: row
        for row in session.execute(
            select(SellerScore).where(SellerScore.seller_id.in_(ids))
        ).scalars()
        if row.seller_id not in pending
    }
    names = {
        sid: public_id
        for sid, public_id in session.execute(
            select(Seller.id, Seller.public_id).where(Seller.id.in_(list(stored)))
        )
    }
    rows: dict[int, list[tuple]] = defaultdict(list)
    for seller_id, *row in session.execute(
        select(Event.seller_id, *EVENT_COLUMNS)
        .where(Event.seller_id.in_(list(stored)))
        .order_by(Event.seller_id, Event.id)
    ):
        rows[seller_id].append(tuple(row))
    at_moment: dict[object, list[int]] = defaultdict(list)
    for sid, row in stored.items():
        at_moment[row.computed_at].append(sid)
    for moment, sids in at_moment.items():
        verified = verified_sellers(session, sids, moment)  # type: ignore[arg-type]
        for sid in sids:
            row = stored[sid]
            state = scoring.SellerState()
            for event in rows.get(sid, ()):
                if event[_ID] <= row.last_event_id:  # the events the stored score had seen
                    state.apply_row(event)
            again = state.score(row.computed_at, sid in verified)
            report.checked += 1
            recomputed = {
                "value": again.value,
                "grade": again.grade,
                "display_grade": again.display_grade,
                "caps": [c.to_dict() for c in again.caps],
            }
            for name in COMPARED:
                old, new = getattr(row, name), recomputed[name]
                same = (
                    math.isclose(old, new, abs_tol=TOLERANCE)
                    if name == "value"
                    else _plain(old) == _plain(new)
                )
                if not same:
                    report.differences.append(Difference(names[sid], name, old, new))
    return report


def _plain(value: object) -> object:
    """Caps as stored (JSON) and as computed compare equal when they say the same."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))

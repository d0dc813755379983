"""Persist scores: rescore sellers from their events, incrementally when the state allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlmodel import Session

import scoring

from .changelog import advance, mark_changed, pending
from .db import bulk_insert
from .models import Event, Identity, ScoreHistory, Seller, SellerScore, utcnow

RESCORE_CONSUMER = "rescore"
# Change-log kinds after which a seller's stored state cannot simply be extended: an event
# was edited (resolution, lifted sanction) rather than added.
FULL_KINDS = frozenset({"event_update", "rescore_full"})
EVENT_COLUMNS = (
    Event.kind,
    Event.occurred_at,
    Event.severity,
    Event.verification,
    Event.resolution,
    Event.order_ref,
    Event.complainant_ref,
    Event.buyer_ref,
    Event.id,
    Event.ends_at,
    Event.lifted_at,
)


@dataclass
class RescoreSummary:
    sellers: int = 0
    changed: int = 0
    incremental: int = 0
    full: int = 0
    details: list[str] = field(default_factory=list)


def score_row(
    seller_id: int, result: scoring.Score, state: dict | None, last_event_id: int
) -> dict[str, Any]:
    """Return the seller_score columns for one computed score."""
    return {
        "seller_id": seller_id,
        "value": result.value,
        "grade": result.grade,
        "display_grade": result.display_grade,
        "verified": result.verified,
        "limited_history": result.limited_history,
        "caps": [c.to_dict() for c in result.caps],
        "parts": {
            **result.parts.to_dict(),
            "explanation_zh": result.explain("zh"),
            "explanation_en": result.explain("en"),
        },
        "version": result.version,
        "computed_at": result.computed_at,
        "state": state,
        "last_event_id": last_event_id,
    }


def publicly_different(old: SellerScore | None, new: dict[str, Any]) -> bool:
    """Tell whether the public sees a change (value to one decimal, grade, caps, version)."""
    if old is None:
        return True
    return (
        round(old.value, 1) != round(new["value"], 1)
        or old.grade != new["grade"]
        or old.display_grade != new["display_grade"]
        or old.version != new["version"]
        or old.verified != new["verified"]
        or (old.caps or []) != new["caps"]
    )


def verified_sellers(session: Session, seller_ids: Iterable[int] | None, now: datetime) -> set[int]:
    """Return which of these sellers hold a current regulator-verified identity."""
    query = select(Identity.seller_id).where(
        Identity.verifier_role == "regulator",
        Identity.verified_at.is_not(None),
        or_(Identity.expires_at.is_(None), Identity.expires_at > now),
    )
    if seller_ids is not None:
        query = query.where(Identity.seller_id.in_(list(seller_ids)))
    return set(session.execute(query).scalars())


class ScoreService:
    """Computes and stores scores; the caller commits."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or utcnow()

    def rescore(self, seller_ids: Iterable[int], full: Iterable[int] = ()) -> RescoreSummary:
        """Rescore these sellers; those in ``full`` (or without a usable state) from scratch."""
        ids = list(dict.fromkeys(seller_ids))
        must_rebuild = set(full)
        summary = RescoreSummary(sellers=len(ids))
        if not ids:
            return summary
        stored = {
            s.seller_id: s
            for s in self.session.execute(
                select(SellerScore).where(SellerScore.seller_id.in_(ids))
            ).scalars()
        }
        verified = verified_sellers(self.session, ids, self.now)
        incremental = {
            sid
            for sid in ids
            if sid not in must_rebuild
            and sid in stored
            and stored[sid].state
            and stored[sid].version == scoring.SCORING_VERSION
        }
        rows_by_seller = self._events(ids, {sid: stored[sid].last_event_id for sid in incremental})
        new_rows, history = [], []
        for sid in ids:
            rows = rows_by_seller.get(sid, [])
            if sid in incremental:
                state = scoring.SellerState.from_dict(stored[sid].state)
                summary.incremental += 1
            else:
                state = scoring.SellerState()
                summary.full += 1
            for row in rows:
                state.apply_row(row)
            last = max(
                [stored[sid].last_event_id if sid in incremental else 0] + [r[8] for r in rows]
            )
            result = state.score(self.now, sid in verified)
            row = score_row(sid, result, state.to_dict(), last)
            old = stored.get(sid)
            if publicly_different(old, row):
                summary.changed += 1
                history.append(
                    {
                        k: row[k]
                        for k in (
                            "seller_id",
                            "value",
                            "grade",
                            "display_grade",
                            "version",
                            "computed_at",
                        )
                    }
                )
            new_rows.append(row)
        self._store(new_rows, history, [r["seller_id"] for r in history])
        return summary

    def _events(self, ids: list[int], after: dict[int, int]) -> dict[int, list[tuple]]:
        """Load event rows (scoring.ROW_FIELDS order) per seller, only new ones where given."""
        out: dict[int, list[tuple]] = {}
        conditions = [and_(Event.seller_id == sid, Event.id > last) for sid, last in after.items()]
        rest = [sid for sid in ids if sid not in after]
        if rest:
            conditions.append(Event.seller_id.in_(rest))
        for chunk in range(0, len(conditions), 500):
            query = (
                select(Event.seller_id, *EVENT_COLUMNS)
                .where(or_(*conditions[chunk : chunk + 500]))
                .order_by(Event.seller_id, Event.id)
            )
            for seller_id, *row in self.session.execute(query):
                out.setdefault(seller_id, []).append(tuple(row))
        return out

    def _store(self, rows: list[dict], history: list[dict], changed: list[int]) -> None:
        if rows:
            self.session.execute(
                delete(SellerScore).where(SellerScore.seller_id.in_([r["seller_id"] for r in rows]))
            )
            bulk_insert(self.session, SellerScore, rows)
        if history:
            bulk_insert(self.session, ScoreHistory, history)
        # The public record changed: the search index (grade filter) must follow.
        mark_changed(self.session, changed, "score")

    def rescore_changed(self, limit: int = 5000) -> RescoreSummary:
        """Consume the change log: rescore every seller changed since the last run."""
        entries, last_seq = pending(
            self.session, RESCORE_CONSUMER, limit, exclude_kinds=("score",), with_kinds=True
        )
        if not entries:
            advance(self.session, RESCORE_CONSUMER, last_seq)
            return RescoreSummary()
        full = {sid for sid, kind in entries if kind in FULL_KINDS}
        summary = self.rescore([sid for sid, _ in entries], full=full)
        advance(self.session, RESCORE_CONSUMER, last_seq)
        return summary

    def rescore_all(
        self, batch: int = 2000, full: bool = False, progress: Callable[[int], None] | None = None
    ) -> RescoreSummary:
        """Rescore every seller (nightly: decay moves scores even when nothing happens)."""
        total = RescoreSummary()
        last_id = 0
        while True:
            ids = list(
                self.session.execute(
                    select(Seller.id).where(Seller.id > last_id).order_by(Seller.id).limit(batch)
                ).scalars()
            )
            if not ids:
                return total
            part = self.rescore(ids, full=ids if full else ())
            for name in ("sellers", "changed", "incremental", "full"):
                setattr(total, name, getattr(total, name) + getattr(part, name))
            last_id = ids[-1]
            if progress:
                progress(len(ids))

    def backfill_history(self, seller_ids: list[int], instants: list[datetime]) -> int:
        """Add history points at past instants from the events known by then (after an
        import of historical records); return how many points were written."""
        identities: dict[int, list[tuple]] = {}
        for sid, verified_at, expires_at in self.session.execute(
            select(Identity.seller_id, Identity.verified_at, Identity.expires_at).where(
                Identity.seller_id.in_(seller_ids), Identity.verifier_role == "regulator"
            )
        ):
            identities.setdefault(sid, []).append((verified_at, expires_at))
        rows_by_seller = self._events(seller_ids, {})
        points = []
        for sid in seller_ids:
            rows = sorted(rows_by_seller.get(sid, []), key=lambda r: r[1])
            last = None
            for t in sorted(instants):
                verified = any(
                    v is not None and v <= t and (e is None or e > t)
                    for v, e in identities.get(sid, [])
                )
                result = scoring.score_rows([r for r in rows if r[1] <= t], t, verified)
                key = (round(result.value, 1), result.display_grade)
                if key != last:
                    points.append(
                        {
                            "seller_id": sid,
                            "value": result.value,
                            "grade": result.grade,
                            "display_grade": result.display_grade,
                            "version": result.version,
                            "computed_at": t,
                        }
                    )
                    last = key
        bulk_insert(self.session, ScoreHistory, points)
        return len(points)

    def history(self, seller_id: int) -> list[ScoreHistory]:
        return list(
            self.session.execute(
                select(ScoreHistory)
                .where(ScoreHistory.seller_id == seller_id)
                .order_by(ScoreHistory.computed_at, ScoreHistory.id)
            ).scalars()
        )

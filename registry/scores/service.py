"""Persist scores: rescore sellers from their events, incrementally when the state allows."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlmodel import Session

import scoring

from .. import journal
from ..core.db import bulk_insert
from ..core.types import utcnow
from ..events.models import Event
from ..journal import ChangeKind
from ..journal.changelog import advance, pending
from ..registration.models import Identity, Seller
from .models import ScoreHistory, SellerScore

RESCORE_CONSUMER = "rescore"
# Change-log kinds after which a seller's stored state cannot simply be extended: an event
# was edited (resolution, lifted sanction) rather than added.
FULL_KINDS = frozenset({ChangeKind.EVENT_UPDATE})
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
    Event.count,
)
FULL_BATCH = 20_000  # sellers per step of a full recomputation
#: sellers one run of rescore_changed takes from the change log, and rescores per transaction
CHANGED_WINDOW = 20_000
CHANGED_PART = 5_000
PUBLIC_FIELDS = ("value", "grade", "display_grade", "version", "verified", "caps")


@dataclass
class RescoreSummary:
    sellers: int = 0
    changed: int = 0
    incremental: int = 0
    full: int = 0

    def add(self, other: RescoreSummary) -> None:
        for name in ("sellers", "changed", "incremental", "full"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def score_row(
    seller_id: int, result: scoring.Score, state: dict | None, last_event_id: int
) -> dict[str, Any]:
    """Return the seller_score columns for one computed score (parts, not prose: the
    explanation is rendered from the parts when shown, in the reader's language)."""
    return {
        "seller_id": seller_id,
        "value": result.value,
        "grade": result.grade,
        "display_grade": result.display_grade,
        "verified": result.verified,
        "limited_history": result.limited_history,
        "caps": [c.to_dict() for c in result.caps],
        "parts": result.parts.to_dict(),
        "version": result.version,
        "computed_at": result.computed_at,
        "state": state,
        "last_event_id": last_event_id,
    }


def stored_score(row: SellerScore) -> scoring.Score:
    """Rebuild the Score a stored row came from (to explain it in words)."""
    parts = dict(row.parts)
    top = tuple(scoring.Contributor(**c) for c in parts.pop("top", []))
    caps = tuple(
        scoring.Cap(
            reason=c["reason"],
            max_grade=c["max_grade"],
            until=datetime.fromisoformat(c["until"]) if c.get("until") else None,
            event_id=c.get("event_id"),
        )
        for c in row.caps or []
    )
    return scoring.Score(
        value=row.value,
        grade=row.grade,
        limited_history=row.limited_history,
        verified=row.verified,
        caps=caps,
        parts=scoring.Parts(**parts, top=top),
        version=row.version,
        computed_at=row.computed_at,
    )


def publicly_different(old: Any, new: dict[str, Any]) -> bool:
    """Tell whether the public sees a change (value to one decimal, grade, caps, version)."""
    if old is None:
        return True
    old = old if isinstance(old, dict) else {k: getattr(old, k) for k in PUBLIC_FIELDS}
    return (
        round(old["value"], 1) != round(new["value"], 1)
        or old["grade"] != new["grade"]
        or old["display_grade"] != new["display_grade"]
        or old["version"] != new["version"]
        or old["verified"] != new["verified"]
        or (old["caps"] or []) != new["caps"]
    )


def _current_identity(now: datetime):
    return and_(
        Identity.verifier_role == "regulator",
        Identity.verified_at.is_not(None),
        or_(Identity.expires_at.is_(None), Identity.expires_at > now),
    )


def verified_sellers(session: Session, seller_ids: Iterable[int] | None, now: datetime) -> set[int]:
    """Return which of these sellers hold a current regulator-verified identity."""
    query = select(Identity.seller_id).where(_current_identity(now))
    if seller_ids is not None:
        query = query.where(Identity.seller_id.in_(list(seller_ids)))
    return set(session.execute(query).scalars())


def _epoch_seconds(session: Session, column: str) -> str:
    """SQL for a timestamp column as POSIX seconds, which scoring takes without parsing."""
    if session.get_bind().dialect.name == "postgresql":
        return f"extract(epoch from {column})::float8"
    return f"(julianday({column}) - 2440587.5) * 86400.0"


class ScoreService:
    """Computes and stores scores; the caller commits."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or utcnow()

    # -- a few sellers, with incremental state -------------------------------------------

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
            row = score_row(sid, state.score(self.now, sid in verified), state.to_dict(), last)
            if publicly_different(stored.get(sid), row):
                summary.changed += 1
                history.append(self._history_point(row))
            new_rows.append(row)
        self._store(new_rows, history)
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

    @staticmethod
    def _history_point(row: dict[str, Any]) -> dict[str, Any]:
        return {
            k: row[k]
            for k in ("seller_id", "value", "grade", "display_grade", "version", "computed_at")
        }

    def _store(self, rows: list[dict], history: list[dict]) -> None:
        if rows:
            self.session.execute(
                delete(SellerScore).where(SellerScore.seller_id.in_([r["seller_id"] for r in rows]))
            )
            bulk_insert(self.session, SellerScore, rows)
        bulk_insert(self.session, ScoreHistory, history)
        # The public record changed: the search index (grade filter) must follow.
        journal.record(self.session, changed={ChangeKind.SCORE: [h["seller_id"] for h in history]})

    def rescore_changed(
        self,
        limit: int = CHANGED_WINDOW,
        *,
        part: int = CHANGED_PART,
        commit: Callable[[], None] | None = None,
    ) -> RescoreSummary:
        """Consume the change log: rescore every seller changed since the last run.

        One run takes up to ``limit`` sellers with every entry of theirs within reach (see
        ``changelog.SCAN_LIMIT``) and rescores them ``part`` at a time; ``commit``, called
        after each part but the last, ends its transaction, so other writers wait one part,
        not the window. The cursor moves only with the last part: a run stopped halfway
        leaves its parts rescored and the cursor where it was, and the next run rescores
        them again to the same result (a stored state is brought forward only by events
        after its ``last_event_id``; a full rebuild reads them all).

        Why a wide window: a 1,000,000-row ingest whose batches each named 5,000 of 20,000
        sellers took its backlog 5,000 sellers, that is one batch, a run: 1,020,433 rescores
        for 20,000 sellers, and the last batch settled 1,119 s after it was answered.
        """
        entries, last_seq = pending(
            self.session,
            RESCORE_CONSUMER,
            limit,
            exclude_kinds=(ChangeKind.SCORE,),
            with_kinds=True,
        )
        summary = RescoreSummary()
        ids = list(dict.fromkeys(sid for sid, _ in entries))
        full = {sid for sid, kind in entries if kind in FULL_KINDS}
        for start in range(0, len(ids), part):
            if start and commit is not None:
                commit()
            chunk = ids[start : start + part]
            summary.add(self.rescore(chunk, full=full.intersection(chunk)))
        advance(self.session, RESCORE_CONSUMER, last_seq)
        return summary

    # -- everyone ------------------------------------------------------------------------

    def rescore_all(
        self,
        *,
        full: bool = False,
        batch: int = FULL_BATCH,
        progress: Callable[[int], None] | None = None,
        commit: Callable[[], None] | None = None,
    ) -> RescoreSummary:
        """Rescore every seller: nightly, since decay moves scores even when nothing happens.

        A seller with a current stored state is brought forward from it without reading its
        events; the others (all of them with ``full``) are recomputed from their events in
        seller-id ranges, streaming rows straight from the database cursor. ``commit``, called
        after each range, ends its transaction: other writers then wait at most one range
        (about 2 s at 20,000 sellers), not the whole pass (99 s at 1,000,000), and a pass
        that is stopped leaves whole ranges, each scored as of the pass's ``now``.
        """
        total = RescoreSummary()
        last_id = 0
        # A pass allocates millions of short-lived tuples and makes no reference cycles: the
        # cyclic collector would only rescan them.
        collecting = gc.isenabled()
        gc.disable()
        try:
            while True:
                ids = list(
                    self.session.execute(
                        select(Seller.id)
                        .where(Seller.id > last_id)
                        .order_by(Seller.id)
                        .limit(batch)
                    ).scalars()
                )
                if not ids:
                    return total
                total.add(self._rescore_range(ids, full))
                if commit is not None:
                    commit()
                last_id = ids[-1]
                if progress:
                    progress(len(ids))
        finally:
            if collecting:
                gc.enable()

    def _rescore_range(self, ids: list[int], full: bool) -> RescoreSummary:
        lo, hi = ids[0], ids[-1]
        summary = RescoreSummary(sellers=len(ids))
        in_range = SellerScore.seller_id.between(lo, hi)
        old: dict[int, dict] = {}
        states: dict[int, tuple[dict, int]] = {}
        columns = [SellerScore.seller_id, *(getattr(SellerScore, f) for f in PUBLIC_FIELDS)]
        if not full:
            columns += [SellerScore.state, SellerScore.last_event_id]
        for row in self.session.execute(select(*columns).where(in_range)):
            old[row[0]] = dict(zip(PUBLIC_FIELDS, row[1:7]))
            if not full and row[7] and old[row[0]]["version"] == scoring.SCORING_VERSION:
                states[row[0]] = (row[7], row[8])
        verified = set(
            self.session.execute(
                select(Identity.seller_id).where(
                    Identity.seller_id.between(lo, hi), _current_identity(self.now)
                )
            ).scalars()
        )
        new_rows: list[dict] = []
        for sid, (state_data, last_event_id) in states.items():
            state = scoring.SellerState.from_dict(state_data)
            new_rows.append(
                score_row(sid, state.score(self.now, sid in verified), state_data, last_event_id)
            )
        summary.incremental = len(states)
        rest = [sid for sid in ids if sid not in states]
        by_seller = self._stream_events(lo, hi) if rest else {}
        for sid in rest:
            rows = by_seller.get(sid, ())
            result = scoring.score_rows(rows, self.now, sid in verified)
            # No state is kept here: the next event rebuilds it for this seller alone.
            new_rows.append(score_row(sid, result, None, max((r[8] for r in rows), default=0)))
        summary.full = len(rest)
        history = [
            self._history_point(r)
            for r in new_rows
            if publicly_different(old.get(r["seller_id"]), r)
        ]
        summary.changed = len(history)
        self.session.execute(delete(SellerScore).where(in_range))
        bulk_insert(self.session, SellerScore, new_rows)
        bulk_insert(self.session, ScoreHistory, history)
        journal.record(self.session, changed={ChangeKind.SCORE: [h["seller_id"] for h in history]})
        return summary

    def _stream_events(self, lo: int, hi: int) -> dict[int, list[tuple]]:
        """Event rows of sellers lo..hi, times as POSIX seconds, read below the ORM."""
        times = [_epoch_seconds(self.session, c) for c in ("occurred_at", "ends_at", "lifted_at")]
        pyformat = self.session.get_bind().dialect.paramstyle == "pyformat"
        bounds = "%(lo)s AND %(hi)s" if pyformat else "? AND ?"
        sql = (
            f"SELECT seller_id, kind, {times[0]}, severity, verification, resolution, order_ref, "
            f"complainant_ref, buyer_ref, id, {times[1]}, {times[2]}, count "
            f"FROM event WHERE seller_id BETWEEN {bounds} ORDER BY seller_id"
        )
        # The DBAPI cursor itself: SQLAlchemy's per-row result handling would cost more
        # than the scoring (ten million rows in a full pass).
        dbapi = self.session.connection().connection.dbapi_connection
        cursor = dbapi.cursor()
        cursor.execute(sql, {"lo": lo, "hi": hi} if pyformat else (lo, hi))
        take = itemgetter(slice(1, None))
        return {sid: [take(r) for r in group] for sid, group in groupby(cursor, key=itemgetter(0))}

    # -- history ---------------------------------------------------------------------------

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

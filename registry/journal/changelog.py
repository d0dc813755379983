"""The change log: sellers whose public record changed, consumed by jobs in sequence order."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlmodel import Session

from ..core.db import bulk_insert, lock_for_write
from ..core.types import utcnow
from .kinds import ChangeKind
from .models import ChangeLogEntry, JobCursor


def mark_changed(session: Session, seller_ids: Iterable[int], kind: ChangeKind | str) -> None:
    """Record that these sellers changed, in the caller's transaction.

    Services write through ``registry.journal.writes.record``, which audits the same change.
    """
    text = ChangeKind(kind).value  # an unknown kind fails here, not in a consumer
    rows = [{"seller_id": sid, "kind": text, "at": utcnow()} for sid in dict.fromkeys(seller_ids)]
    if rows:
        # Under the write lock, sequence numbers are handed out in commit order, so a consumer
        # that has read up to N never later finds a smaller number appear.
        lock_for_write(session)
        bulk_insert(session, ChangeLogEntry, rows)


def cursor(session: Session, consumer: str) -> int:
    row = session.get(JobCursor, consumer)
    return row.last_seq if row else 0


def since(session: Session, start: int, limit: int = 10_000) -> tuple[list[tuple[int, str]], int]:
    """Return distinct (seller id, kind) changed after sequence ``start``, and the last seq read."""
    rows = session.execute(
        select(ChangeLogEntry.seq, ChangeLogEntry.seller_id, ChangeLogEntry.kind)
        .where(ChangeLogEntry.seq > start)
        .order_by(ChangeLogEntry.seq)
        .limit(limit)
    ).all()
    if not rows:
        return [], start
    return list(dict.fromkeys((r[1], r[2]) for r in rows)), rows[-1][0]


def pending(
    session: Session,
    consumer: str,
    limit: int = 10_000,
    *,
    exclude_kinds: Iterable[ChangeKind] = (),
    with_kinds: bool = False,
) -> tuple[list, int]:
    """Return what changed since ``consumer``'s cursor (seller ids, or (id, kind) pairs with
    ``with_kinds``) and the last sequence number read (the cursor to advance to).

    Entries of ``exclude_kinds`` are passed over in the query itself, so a long run of them
    (a nightly rescore marks every seller SCORE) costs one statement, not one ``limit`` per
    run: a consumer that took them ``limit`` at a time fell minutes behind real changes.
    """
    start = cursor(session, consumer)
    # The head first: every entry up to it is committed (sequence numbers are handed out in
    # commit order), so when fewer than ``limit`` wanted entries follow, all up to it are read.
    top = head(session)
    query = select(ChangeLogEntry.seq, ChangeLogEntry.seller_id, ChangeLogEntry.kind).where(
        ChangeLogEntry.seq > start, ChangeLogEntry.seq <= top
    )
    excluded = [ChangeKind(kind).value for kind in exclude_kinds]
    if excluded:
        query = query.where(ChangeLogEntry.kind.not_in(excluded))
    rows = session.execute(query.order_by(ChangeLogEntry.seq).limit(limit)).all()
    last = rows[-1][0] if len(rows) >= limit else max(top, start)
    wanted = list(dict.fromkeys((r[1], r[2]) for r in rows))
    if with_kinds:
        return wanted, last
    return list(dict.fromkeys(sid for sid, _ in wanted)), last


def advance(session: Session, consumer: str, seq: int) -> None:
    """Move ``consumer``'s cursor forward to ``seq`` (never backward)."""
    row = session.get(JobCursor, consumer)
    if row is None:
        session.add(JobCursor(name=consumer, last_seq=seq, updated_at=utcnow()))
    elif seq > row.last_seq:
        row.last_seq = seq
        row.updated_at = utcnow()
    session.flush()


def head(session: Session) -> int:
    return session.execute(select(func.coalesce(func.max(ChangeLogEntry.seq), 0))).scalar_one()


def changed_after(session: Session, consumer: str, seller_ids: Iterable[int]) -> set[int]:
    """Which of ``seller_ids`` changed after ``consumer``'s cursor (not consumed yet)."""
    ids = list(seller_ids)
    if not ids:
        return set()
    return set(
        session.execute(
            select(ChangeLogEntry.seller_id).where(
                ChangeLogEntry.seq > cursor(session, consumer), ChangeLogEntry.seller_id.in_(ids)
            )
        ).scalars()
    )

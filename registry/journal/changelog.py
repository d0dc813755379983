"""The change log: sellers whose public record changed, consumed by jobs in sequence order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from ..core.db import bulk_insert, lock_for_write
from ..core.types import utcnow
from .kinds import ChangeKind
from .models import ChangeLogEntry, JobCursor

#: ``session.info`` key: the sellers the session's transaction marked changed, for what must
#: be written in the same transaction at commit (the seller search rows on PostgreSQL);
#: dropped when the transaction ends
CHANGED_SELLERS = "changed_sellers"


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
        session.info.setdefault(CHANGED_SELLERS, set()).update(r["seller_id"] for r in rows)


def take_changed(session: Session) -> set[int]:
    """The sellers marked changed in this transaction since the last call (and forget them)."""
    return session.info.pop(CHANGED_SELLERS, None) or set()


def cursor(session: Session, consumer: str) -> int:
    row = session.get(JobCursor, consumer)
    return row.last_seq if row else 0


#: entries one call reads at most, however few sellers they name; within it, every entry of
#: a seller already taken comes free, so a backlog collapses: a 1,000,000-row ingest left
#: about 880,000 entries for 20,000 sellers, which taken 5,000 entries at a time meant 176
#: rescores of some 4,400 sellers each, where 4 of 5,000 do the same work.
SCAN_LIMIT = 200_000
_CHUNK = 20_000


def _collect(
    session: Session, query: Any, limit: int, scan: int = SCAN_LIMIT
) -> tuple[list[tuple[int, str]], int | None, bool]:
    """Read entries of ``query`` in sequence order until a new seller would be the
    ``limit``-th plus one, or ``scan`` entries were read. Return the distinct (seller id,
    kind) read, the last sequence number taken (every entry up to it is among them), and
    whether the query had no more entries."""
    if limit < 1:
        raise ValueError("limit must be at least one seller")
    found: dict[tuple[int, str], None] = {}
    sellers: set[int] = set()
    last: int | None = None
    read, after = 0, None
    while read < scan:
        chunk = min(_CHUNK, scan - read)
        page = query if after is None else query.where(ChangeLogEntry.seq > after)
        rows = session.execute(page.order_by(ChangeLogEntry.seq).limit(chunk)).all()
        for seq, seller_id, kind in rows:
            if seller_id not in sellers:
                if len(sellers) >= limit:
                    return list(found), last, False
                sellers.add(seller_id)
            found[(seller_id, kind)] = None
            last = seq
        read += len(rows)
        if len(rows) < chunk:
            return list(found), last, True
        after = rows[-1][0]
    return list(found), last, False


def since(session: Session, start: int, limit: int = 10_000) -> tuple[list[tuple[int, str]], int]:
    """Return distinct (seller id, kind) changed after sequence ``start``, of at most
    ``limit`` sellers, and the last seq read (see SCAN_LIMIT)."""
    query = select(ChangeLogEntry.seq, ChangeLogEntry.seller_id, ChangeLogEntry.kind).where(
        ChangeLogEntry.seq > start
    )
    found, last, _ = _collect(session, query, limit)
    return found, start if last is None else last


def pending(
    session: Session,
    consumer: str,
    limit: int = 10_000,
    *,
    exclude_kinds: Iterable[ChangeKind] = (),
    with_kinds: bool = False,
) -> tuple[list, int]:
    """Return what changed since ``consumer``'s cursor (seller ids, or (id, kind) pairs with
    ``with_kinds``), of at most ``limit`` sellers, and the last sequence number read (the
    cursor to advance to).

    Entries of ``exclude_kinds`` are passed over in the query itself, so a long run of them
    (a nightly rescore marks every seller SCORE) costs one statement, not one ``limit`` per
    run: a consumer that took them ``limit`` at a time fell minutes behind real changes.
    """
    start = cursor(session, consumer)
    # The head first: every entry up to it is committed (sequence numbers are handed out in
    # commit order), so when the query runs out, all up to it are read.
    top = head(session)
    query = select(ChangeLogEntry.seq, ChangeLogEntry.seller_id, ChangeLogEntry.kind).where(
        ChangeLogEntry.seq > start, ChangeLogEntry.seq <= top
    )
    excluded = [ChangeKind(kind).value for kind in exclude_kinds]
    if excluded:
        query = query.where(ChangeLogEntry.kind.not_in(excluded))
    wanted, taken, exhausted = _collect(session, query, limit)
    last = max(top, start) if exhausted or taken is None else taken  # taken: limit >= 1
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

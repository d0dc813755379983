"""The append-only audit log: every change, who made it, old and new, in a hash chain.

Each entry stores its old and new values as canonical JSON text and hashes exactly that text
together with the hash of the entry before it, so that verification needs no re-serialisation
(and cannot disagree with it): editing, removing, inserting or reordering entries shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from ..core.db import bulk_insert, lock_for_write
from ..core.types import utcnow
from .models import AuditEntry

GENESIS = "0" * 64
_SEP = "\x1f"  # unit separator: cannot occur in the canonical JSON or in the short fields


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (Decimal, set, frozenset)):
        return str(value) if isinstance(value, Decimal) else sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical_json(value: Any) -> str | None:
    """Return the canonical JSON text the log stores and hashes (None stays None)."""
    if value is None:
        return None
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default
    )


def jsonable(value: Any) -> Any:
    """Return ``value`` as plain JSON data (dates as ISO text)."""
    return None if value is None else json.loads(canonical_json(value))


def entry_digest(
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    old: str | None,
    new: str | None,
) -> str:
    """Hash one entry's fields (old/new as stored text) with the hash before it."""
    at_text = at.astimezone(UTC).isoformat(timespec="microseconds")
    body = _SEP.join(
        (
            prev_hash,
            at_text,
            actor,
            action,
            entity,
            entity_id,
            "" if old is None else "J" + old,
            "" if new is None else "J" + new,
        )
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    actor: str
    action: str
    entity: str
    entity_id: str
    old: Any = None
    new: Any = None


class AuditLog:
    """Appends to the chain inside the caller's transaction (the caller commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _head(self) -> str:
        cached = self.session.info.get("audit_head")
        if cached is not None:
            return cached
        last = self.session.execute(
            select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
        ).scalar_one_or_none()
        return last or GENESIS

    def record(self, changes: Iterable[Change], at: datetime | None = None) -> int:
        """Append ``changes`` in order; return how many were written."""
        lock_for_write(self.session)
        at = at or utcnow()
        prev = self._head()
        rows = []
        for change in changes:
            old, new = canonical_json(change.old), canonical_json(change.new)
            digest = entry_digest(
                prev, at, change.actor, change.action, change.entity, change.entity_id, old, new
            )
            rows.append(
                {
                    "at": at,
                    "actor": change.actor,
                    "action": change.action,
                    "entity": change.entity,
                    "entity_id": change.entity_id,
                    "old": old,
                    "new": new,
                    "prev_hash": prev,
                    "entry_hash": digest,
                }
            )
            prev = digest
        if rows:
            bulk_insert(self.session, AuditEntry, rows)
            self.session.info["audit_head"] = prev
        return len(rows)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    ok: bool
    first_bad_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first entry that does not match."""
    prev = GENESIS
    checked = 0
    last_id = 0
    columns = (
        AuditEntry.id,
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.entity,
        AuditEntry.entity_id,
        AuditEntry.old,
        AuditEntry.new,
        AuditEntry.prev_hash,
        AuditEntry.entry_hash,
    )
    while True:
        rows = session.execute(
            select(*columns).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(checked, True)
        for row_id, at, actor, action, entity, entity_id, old, new, prev_hash, entry_hash in rows:
            if prev_hash != prev:
                return ChainReport(
                    checked,
                    False,
                    row_id,
                    "prev_hash does not match the entry before it "
                    "(an entry was removed, inserted or reordered)",
                )
            if entry_digest(prev, at, actor, action, entity, entity_id, old, new) != entry_hash:
                return ChainReport(
                    checked, False, row_id, "content does not match its hash (the entry was edited)"
                )
            prev = entry_hash
            checked += 1
            last_id = row_id


def entries_after(
    session: Session, after_id: int, entities: Iterable[str], limit: int = 1000
) -> tuple[list[tuple[int, datetime, str, str, str, Any]], int]:
    """Return audit entries of ``entities`` after id ``after_id`` as (id, at, action, entity,
    entity id, new value), and the id a consumer may advance to.

    Entries are appended under the write lock (the hash chain needs it), so ids are handed out
    in commit order: a consumer that has read up to N never later finds a smaller id appear.
    """
    top = session.execute(select(func.coalesce(func.max(AuditEntry.id), 0))).scalar_one()
    rows = session.execute(
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.new,
        )
        .where(
            AuditEntry.id > after_id, AuditEntry.id <= top, AuditEntry.entity.in_(list(entities))
        )
        .order_by(AuditEntry.id)
        .limit(limit)
    ).all()
    last = rows[-1][0] if len(rows) >= limit else max(top, after_id)
    return [(*r[:5], json.loads(r[5]) if r[5] else None) for r in rows], last


def head_hash(connection: Connection) -> str | None:
    """The newest entry's hash: what a copy of the log must end with (None: no entry)."""
    return connection.execute(
        select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar()

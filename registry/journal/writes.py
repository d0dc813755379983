"""The one door every write goes through: its audit entries and change-log marks together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlmodel import Session

from .audit import AuditLog, Change
from .changelog import mark_changed
from .kinds import ChangeKind


def record(
    session: Session,
    changes: Iterable[Change] = (),
    *,
    at: datetime | None = None,
    changed: Mapping[ChangeKind, Iterable[int]] | None = None,
) -> None:
    """Append ``changes`` to the audit log and mark the sellers whose public record they
    changed (``changed``: kind -> seller ids), in the caller's transaction.

    Either part may be empty: a token's creation changes nothing the public sees, and a
    rescore (derived data) is marked without an audit entry.
    """
    changes = list(changes)
    if changes:
        AuditLog(session).record(changes, at=at)
    for kind, seller_ids in (changed or {}).items():
        mark_changed(session, seller_ids, kind)

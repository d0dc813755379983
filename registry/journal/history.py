"""Reading one entity's audit entries (what happened to it, and when)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from .models import AuditEntry


def history(
    session: Session, entity: str, entity_id: str, actions: Iterable[str]
) -> list[tuple[str, datetime]]:
    """The (action, at) of an entity's audit entries among ``actions``, oldest first."""
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.at)
        .where(
            AuditEntry.entity == entity,
            AuditEntry.entity_id == entity_id,
            AuditEntry.action.in_(tuple(actions)),
        )
        .order_by(AuditEntry.id)
    ).all()
    return [(action, at) for action, at in rows]

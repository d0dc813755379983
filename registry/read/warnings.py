"""The public warnings of the home page: recent sanctions and verified fraud findings."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlmodel import Session

import scoring

from ..core.types import utcnow
from ..events.models import Event
from ..registration.models import Seller
from . import display

WARNING_KINDS = tuple(sorted(scoring.SANCTION_KINDS))


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
            display.not_withdrawn(Event.resolution),
            or_(
                Event.kind.in_(WARNING_KINDS),
                and_(Event.kind == "fraud_report", Event.verification == "regulator"),
            ),
        )
        .order_by(Event.occurred_at.desc())
        .limit(limit)
    ).all()
    return [(event, seller) for event, seller in rows]

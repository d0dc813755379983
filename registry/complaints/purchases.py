"""Complaints that name an order a platform confirmed become purchase-verified, whenever
the confirmation arrives (before or after the complaint was filed or accepted)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from .. import journal
from ..core.db import rows_by_keys
from ..events.models import Event
from ..journal import Change, ChangeKind
from .models import Complaint

# What a confirmed order raises a complaint from (identity-verified weighs 0.4, purchase 0.8).
UPGRADABLE = ("unverified", "identity")


def verify_purchases(
    session: Session, actor: str, orders: Iterable[tuple[int, str]], now: datetime
) -> list[int]:
    """Make the complaints naming these (seller id, order_ref) pairs purchase-verified, their
    scoring events too; return the complaints' ids."""
    pairs = set(orders)
    if not pairs:
        return []
    found = rows_by_keys(
        session,
        Complaint,
        ("seller_id", "order_ref"),
        sorted(pairs),
        Complaint.verification.in_(UPGRADABLE),
    )
    if not found:
        return []
    events = {
        e.complaint_id: e
        for e in session.execute(
            select(Event).where(Event.complaint_id.in_([c.id for c in found]))
        ).scalars()
    }
    changes, rescored, shown = [], [], []
    for complaint in found:
        before = complaint.verification
        complaint.verification = "purchase"
        changes.append(
            Change(
                actor,
                "complaint.purchase_verified",
                "complaint",
                str(complaint.id),
                {"verification": before},
                {"verification": "purchase", "order_ref": complaint.order_ref},
            )
        )
        event = events.get(complaint.id)
        if event is None:  # not accepted yet: acceptance records the event as verified
            shown.append(complaint.seller_id)
            continue
        # A verified complaint carries its references (as acceptance records them), so the
        # per-order and per-complainant rules apply to it instead of the burst rule.
        event.verification = "purchase"
        event.order_ref = complaint.order_ref
        event.complainant_ref = complaint.complainant_ref
        rescored.append(complaint.seller_id)
    session.flush()
    journal.record(
        session,
        changes,
        at=now,
        changed={ChangeKind.EVENT_UPDATE: rescored, ChangeKind.COMPLAINT: shown},
    )
    return [c.id for c in found]  # type: ignore[misc]

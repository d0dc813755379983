"""Alerts derived from the journal after commit: one event per change, one delivery per watcher.

The journal is the outbox. Every write appends its audit entries and change-log marks in its
own transaction (``journal.record``), so a change that rolled back left nothing to derive, and
one that committed is found by the next run whatever happened to the process in between. The
cursors advance in the same transaction as the deliveries they produced: a run killed
halfway is done again, and the unique keys make the second run add nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlmodel import Session

from ..complaints.models import Complaint
from ..core.types import utcnow
from ..events.models import Event, Sanction
from ..events.service import SANCTION_KINDS
from ..journal import ChangeKind, changelog
from ..journal.audit import entries_after
from ..journal.models import JobCursor
from ..registration.models import Seller
from ..scores.models import ScoreHistory
from ..trust.models import ApiToken
from .models import AlertEvent, Delivery, Subscription, SubscriptionSeller

AUDIT_CURSOR = "alerts-audit"  # last audit entry id read
SCORE_CURSOR = "alerts-scores"  # last change-log sequence number read
#: complaint moves whose outcome the public record shows
OUTCOME_ACTIONS = {
    "complaint.confirm": None,  # the outcome is in the entry (resolved / unresolved)
    "complaint.unconfirmed": "unconfirmed",
    "complaint.invalid": "invalid",
    "complaint.no_response": "no_response",
}
_NOT_SCORES = tuple(kind for kind in ChangeKind if kind is not ChangeKind.SCORE)


@dataclass(frozen=True)
class Candidate:
    key: str
    type: str
    seller_id: int
    occurred_at: datetime
    data: dict[str, Any]


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def listening(now: datetime) -> ColumnElement[bool]:
    """Subscriptions that get alerts: active, of a token neither revoked nor expired."""
    token = select(ApiToken.id).where(
        ApiToken.id == Subscription.token_id,
        ApiToken.revoked_at.is_(None),
        or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
    )
    return and_(Subscription.active, token.exists())


def skip_to_head(session: Session, *, unless_started: bool = False) -> None:
    """Move both cursors to the journal's head: what happened before is not sent."""
    if unless_started and session.get(JobCursor, AUDIT_CURSOR) is not None:
        return
    _, top = entries_after(session, 0, ())  # no entity asked for: only the head
    changelog.advance(session, AUDIT_CURSOR, top)
    changelog.advance(session, SCORE_CURSOR, changelog.head(session))


def derive(session: Session, now: datetime | None = None, limit: int = 1000) -> int:
    """Turn what the journal recorded since the last run into alert deliveries; return how
    many deliveries were added. The caller commits."""
    now = now or utcnow()
    if session.execute(select(Subscription.id).where(listening(now)).limit(1)).first() is None:
        skip_to_head(session)  # nobody listens; a later subscriber wants no history
        return 0
    entries, audit_last = entries_after(
        session, changelog.cursor(session, AUDIT_CURSOR), ("event", "sanction", "complaint"), limit
    )
    scored, score_last = changelog.pending(session, SCORE_CURSOR, limit, exclude_kinds=_NOT_SCORES)
    candidates = _from_audit(session, entries)
    added = 0
    if candidates or scored:
        watchers = _watchers(session, {c.seller_id for c in candidates} | set(scored), now)
        candidates += _grade_changes(session, [sid for sid in scored if watchers.get(sid)])
        added = _store(session, candidates, watchers, now)
    changelog.advance(session, AUDIT_CURSOR, audit_last)
    changelog.advance(session, SCORE_CURSOR, score_last)
    return added


def _created_events(entries: list) -> set[int]:
    """Ids of the events these entries created: an event of its own, or the score event of a
    regulator's finding (audited as its decision, which names the event)."""
    out = set()
    for _, _, action, entity, entity_id, new in entries:
        if entity == "event" and action.endswith(".create") and entity_id.isdigit():
            out.add(int(entity_id))
        elif entity == "sanction" and action == "sanction.create" and new and new.get("event_id"):
            out.add(int(new["event_id"]))  # only the id: the entry also holds private text
    return out


def _from_audit(session: Session, entries: list) -> list[Candidate]:
    created = _created_events(entries)
    out: list[Candidate] = []
    if created:
        decisions = {
            d.event_id: d
            for d in session.execute(
                select(Sanction).where(Sanction.event_id.in_(created))
            ).scalars()
        }
        for event in session.execute(select(Event).where(Event.id.in_(created))).scalars():
            if event.kind in SANCTION_KINDS:
                kind = "sanction"
            elif event.kind == "fraud_report" and event.verification != "unverified":
                kind = "fraud_report"
            else:
                continue
            data = {
                "kind": event.kind,
                "severity": event.severity,
                "verification": event.verification,
                "category": event.category,
                "ends_at": iso(event.ends_at),
                "summary": event.summary,  # the public copy: scrubbed on its way in
            }
            decision = decisions.get(event.id)
            if decision is not None and decision.repaired_at is None:
                data["decision"] = decision_facts(decision)
            out.append(
                Candidate(f"event:{event.id}", kind, event.seller_id, event.occurred_at, data)
            )
    moves = [
        (audit_id, at, int(entity_id), action, new or {})
        for audit_id, at, action, entity, entity_id, new in entries
        if entity == "complaint" and action in OUTCOME_ACTIONS and entity_id.isdigit()
    ]
    if moves:
        complaints = {
            c.id: c
            for c in session.execute(
                select(Complaint).where(Complaint.id.in_({m[2] for m in moves}))
            ).scalars()
        }
        for audit_id, at, complaint_id, action, new in moves:
            complaint = complaints.get(complaint_id)
            if complaint is None:
                continue
            outcome = OUTCOME_ACTIONS[action] or new.get("outcome")
            data = {
                "complaint": complaint.public_id,
                "category": complaint.category,
                "status": new.get("status"),
                "outcome": outcome,
            }
            out.append(
                Candidate(
                    f"complaint:{audit_id}",
                    "complaint_outcome",
                    complaint.seller_id,
                    at,  # when it moved (the complaint may have moved again since)
                    data,
                )
            )
    return out


def decision_facts(decision: Sanction) -> dict[str, Any]:
    """A regulator's decision as published (registry.privacy.gate: PUBLISHED_AS_IS and
    PUBLISHED_AMOUNTS of ``sanction``)."""
    return {
        "kind": decision.kind,
        "decision_number": decision.decision_number,
        "authority": decision.authority,
        "decided_on": decision.decided_on.isoformat(),
        "effective_from": decision.effective_from and decision.effective_from.isoformat(),
        "effective_until": decision.effective_until and decision.effective_until.isoformat(),
        "amount": None if decision.amount is None else str(decision.amount),
        "reason": decision.reason,
    }


def _grade_changes(session: Session, seller_ids: list[int]) -> list[Candidate]:
    """A grade change per seller whose newest score point shows another grade than the one
    before it (each SCORE mark of the change log comes with one new point)."""
    out = []
    for sid in seller_ids:
        points = (
            session.execute(
                select(ScoreHistory)
                .where(ScoreHistory.seller_id == sid)
                .order_by(ScoreHistory.id.desc())
                .limit(2)
            )
            .scalars()
            .all()
        )
        if len(points) < 2 or points[0].display_grade == points[1].display_grade:
            continue
        new, old = points
        data = {
            "old_grade": old.display_grade,
            "new_grade": new.display_grade,
            "scoring_version": new.version,
        }
        out.append(Candidate(f"grade:{new.id}", "grade_changed", sid, new.computed_at, data))
    return out


def _watchers(session: Session, seller_ids: set[int], now: datetime) -> dict[int, list[int]]:
    """Return, per seller, the active subscriptions watching it (by seller, region, category)."""
    if not seller_ids:
        return {}
    out: dict[int, list[int]] = {sid: [] for sid in seller_ids}
    for sub_id, sid in session.execute(
        select(SubscriptionSeller.subscription_id, SubscriptionSeller.seller_id)
        .join(Subscription, Subscription.id == SubscriptionSeller.subscription_id)
        .where(listening(now), SubscriptionSeller.seller_id.in_(seller_ids))
    ):
        out[sid].append(sub_id)
    broad = session.execute(
        select(Subscription.id, Subscription.region, Subscription.category).where(
            listening(now),
            or_(Subscription.region.is_not(None), Subscription.category.is_not(None)),
        )
    ).all()
    if broad:
        for seller in session.execute(
            select(
                Seller.id, Seller.province, Seller.city, Seller.area_code, Seller.category
            ).where(Seller.id.in_(seller_ids))
        ):
            for sub_id, region, category in broad:
                if (region and in_region(region, seller)) or (
                    category and category == seller.category
                ):
                    out[seller.id].append(sub_id)
    return out


def in_region(region: str, seller: Any) -> bool:
    """A region is a province or city name, or the leading digits of an area code."""
    if region.isdigit():
        return bool(seller.area_code) and seller.area_code.startswith(region)
    return region in (seller.province, seller.city)


def _store(
    session: Session, candidates: list[Candidate], watchers: dict[int, list[int]], now: datetime
) -> int:
    wanted = [c for c in candidates if watchers.get(c.seller_id)]
    if not wanted:
        return 0
    known = {
        key: event_id
        for key, event_id in session.execute(
            select(AlertEvent.key, AlertEvent.id).where(AlertEvent.key.in_([c.key for c in wanted]))
        )
    }
    public = dict(
        session.execute(
            select(Seller.id, Seller.public_id).where(Seller.id.in_({c.seller_id for c in wanted}))
        ).all()
    )
    added = 0
    for c in wanted:
        if c.key in known:
            continue  # derived before: a run that died after its commit's work was redone
        public_id = f"evt_{uuid.uuid4().hex}"
        event = AlertEvent(
            public_id=public_id,
            key=c.key,
            type=c.type,
            seller_id=c.seller_id,
            occurred_at=c.occurred_at,
            payload={
                "id": public_id,
                "type": c.type,
                "seller": public[c.seller_id],
                "occurred_at": iso(c.occurred_at),
                "data": c.data,
            },
            created_at=now,
        )
        session.add(event)
        session.flush()
        for sub_id in dict.fromkeys(watchers[c.seller_id]):
            session.add(
                Delivery(
                    subscription_id=sub_id, event_id=event.id, next_attempt_at=now, created_at=now
                )
            )
            added += 1
    session.flush()
    return added

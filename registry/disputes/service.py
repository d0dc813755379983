"""Disputes: a merchant files, the record's source decides, the decision is published.

Who may do what:
- a merchant (a token or an account bound to the seller) files a dispute of one of its
  seller's records: an event other than a complaint taken in by this registry (those are
  answered in mediation), or a regulator's finding. One open dispute per record and kind;
  after a decision the same request waits ``REFILE_AFTER``, so that refiling is no way to
  keep a record permanently "under dispute".
- the record's source (``Dispute.queue``: the platform or regulator that recorded it) reads
  its queue and decides, with a reason. A withdrawn record is retracted by its source as
  ``PATCH /api/v1/events/<id>`` would; a granted removal or credit repair is recorded as that
  regulator's own decision (``registry.events.sanctions``), so scoring, publication and
  alerts follow from the one path every decision takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session

import scoring

from .. import journal
from ..core.db import lock_for_write
from ..core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..core.types import max_length, new_public_id, utcnow
from ..events.event_fields import EventAmendment
from ..events.models import Event, Sanction
from ..events.sanction_rules import ABNORMAL_REMOVED, ACTIONS, CREDIT_REPAIR
from ..events.sanctions import SanctionService
from ..events.service import EventService
from ..journal import Change, ChangeKind
from ..privacy.gate import public_text, seller_names
from ..registration.models import Seller
from .models import OUTCOMES, Dispute

if TYPE_CHECKING:  # the shapes read their limits from here
    from .shapes import DisputeDecision, DisputeFiling

#: how long a decided request waits before the same one can be filed again
REFILE_AFTER = timedelta(days=90)
STATEMENT_MIN = 10
STATEMENT_LIMIT = max_length(Dispute, "statement")
REASON_LIMIT = max_length(Dispute, "reason")


@dataclass(frozen=True)
class Filer:
    """Who files: an actor (for the audit log) and the sellers it speaks for."""

    actor: str
    seller_ids: frozenset[int]


class DisputeService:
    """Files and decides disputes in the caller's transaction (the caller commits)."""

    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        self.now = now or utcnow()

    # -- the merchant ------------------------------------------------------------------

    def file(self, filer: Filer, seller_public_id: str, asked: DisputeFiling) -> Dispute:
        """File a dispute (``kind``, ``event_id``, ``statement``) of a seller's record."""
        seller = self.session.execute(
            select(Seller).where(Seller.public_id == seller_public_id)
        ).scalar()
        if seller is None:
            raise NotFound(f"no seller with id {seller_public_id!r}")
        if seller.id not in filer.seller_ids:
            raise Forbidden("only the seller's own staff may dispute its records")
        kind, event_id, statement = asked.kind, asked.event_id, asked.statement
        lock_for_write(self.session)
        event, sanction = self._record(seller.id, event_id, kind)
        self._not_pending(event.id, kind)
        shown = public_text(
            statement,
            limit=STATEMENT_LIMIT,
            keep=seller_names(self.session, [seller.id])[seller.id],
        )
        dispute = Dispute(
            public_id=new_public_id("d"),
            seller_id=seller.id,
            kind=kind,
            event_id=event.id,
            sanction_id=sanction.id if sanction else None,
            queue=sanction.source if sanction else event.source,
            filed_by=filer.actor,
            statement=shown.public,
            statement_original=shown.original,
            created_at=self.now,
        )
        self.session.add(dispute)
        self.session.flush()
        journal.record(
            self.session,
            [
                Change(
                    filer.actor,
                    "dispute.file",
                    "dispute",
                    dispute.public_id,
                    None,
                    {"kind": kind, "event_id": event.id, "queue": dispute.queue},
                )
            ],
            changed={ChangeKind.DISPUTE: [seller.id]},
        )
        return dispute

    def _record(self, seller_id: int, event_id: int, kind: str) -> tuple[Event, Sanction | None]:
        """The disputed record, if this kind of request can be made of it."""
        event = self.session.get(Event, event_id)
        if event is None or event.seller_id != seller_id:
            raise NotFound(f"no record {event_id} of this seller")
        if event.complaint_id is not None:
            raise Conflict(
                "a complaint filed here is answered in mediation, not disputed",
                {"event_id": "reply to the complaint instead"},
            )
        if event.resolution == "invalid":
            raise Conflict("that record is withdrawn", {"event_id": "already withdrawn"})
        sanction = self.session.execute(
            select(Sanction).where(Sanction.event_id == event.id)
        ).scalar()
        if kind == "abnormal_removal" and (
            sanction is None or event.kind != scoring.ABNORMAL_OPERATIONS
        ):
            raise ValidationFailed(
                "not an abnormal-operations listing",
                {"event_id": "removal is asked of an abnormal-operations listing"},
            )
        if kind == "abnormal_removal" and event.lifted_at is not None:
            raise Conflict("that listing is already removed", {"event_id": "already removed"})
        if kind == "credit_repair" and (sanction is None or sanction.kind in ACTIONS):
            raise ValidationFailed(
                "not a regulator's finding",
                {"event_id": "credit repair is asked of a regulator's finding"},
            )
        if kind == "credit_repair" and sanction is not None and sanction.repaired_at is not None:
            raise Conflict("that finding is already repaired", {"event_id": "already repaired"})
        return event, sanction

    def _not_pending(self, event_id: int, kind: str) -> None:
        last = self.session.execute(
            select(Dispute)
            .where(Dispute.event_id == event_id, Dispute.kind == kind)
            .order_by(Dispute.id.desc())
            .limit(1)
        ).scalar()
        if last is None:
            return
        if last.status == "open":
            raise Conflict(
                "this record is already disputed",
                {"dispute": last.public_id, "status": "open"},
            )
        if last.decided_at is not None and self.now < last.decided_at + REFILE_AFTER:
            raise Conflict(
                "this request was decided recently",
                {
                    "dispute": last.public_id,
                    "status": last.status,
                    "file_again_after": (last.decided_at + REFILE_AFTER).isoformat(),
                },
            )

    def disputable(self, seller_id: int, limit: int = 200) -> list[Any]:
        """A seller's records its merchant may dispute, newest first: events other than
        orders and complaints taken in here, not withdrawn (id, kind, date, summary)."""
        return list(
            self.session.execute(
                select(Event.id, Event.kind, Event.occurred_at, Event.summary, Sanction.kind)
                .outerjoin(Sanction, Sanction.event_id == Event.id)
                .where(
                    Event.seller_id == seller_id,
                    Event.complaint_id.is_(None),
                    Event.kind != "order",
                    (Event.resolution.is_(None)) | (Event.resolution != "invalid"),
                )
                .order_by(Event.occurred_at.desc(), Event.id.desc())
                .limit(limit)
            ).all()
        )

    def of_sellers(self, seller_ids: frozenset[int], limit: int = 100) -> list[Dispute]:
        """The disputes a merchant filed for its sellers, newest first."""
        return list(
            self.session.execute(
                select(Dispute)
                .where(Dispute.seller_id.in_(sorted(seller_ids)))
                .order_by(Dispute.id.desc())
                .limit(limit)
            ).scalars()
        )

    # -- the source --------------------------------------------------------------------

    def queue(self, actor: str, status: str | None = "open", page: int = 1, per_page: int = 50):
        """The disputes of records ``actor`` recorded, oldest first; and their total."""
        query = select(Dispute).where(Dispute.queue == actor)
        if status:
            query = query.where(Dispute.status == status)
        total = len(self.session.execute(query.with_only_columns(Dispute.id)).all())
        rows = self.session.execute(
            query.order_by(Dispute.id).offset((page - 1) * per_page).limit(per_page)
        ).scalars()
        return list(rows), total

    def get(self, public_id: str) -> Dispute:
        row = self.session.execute(select(Dispute).where(Dispute.public_id == public_id)).scalar()
        if row is None:
            raise NotFound(f"no dispute {public_id!r}")
        return row

    def decide(
        self,
        public_id: str,
        actor: str,
        role: str,
        asked: DisputeDecision,
        *,
        source: str | None = None,
    ) -> Dispute:
        """The source's decision (``outcome`` and ``reason``); only the record's source.

        ``source``: the source a person decides for (a regulator account's), when the actor
        is the person (``user:<id>``, audited as such); a token is its own source. The
        record's withdrawal or the granted decision is recorded as the source's own."""
        source = source or actor
        lock_for_write(self.session)
        dispute = self.get(public_id)
        self.session.refresh(dispute, with_for_update=True)
        if dispute.queue != source:
            raise Forbidden("only the source that recorded the record decides its disputes")
        if dispute.status != "open":
            raise Conflict("this dispute is decided", {"status": dispute.status})
        outcome, reason = asked.outcome, asked.reason
        allowed = OUTCOMES[dispute.kind]
        if outcome not in allowed:
            raise ValidationFailed(
                "dispute not decided",
                {"outcome": f"{outcome!r} is not one of " + ", ".join(allowed)},
            )
        keep = seller_names(self.session, [dispute.seller_id])[dispute.seller_id]
        shown = public_text(reason, limit=REASON_LIMIT, keep=keep)
        if outcome == "withdrawn":
            self._withdraw(dispute, source, role, reason)
        elif outcome == "granted":
            self._grant(dispute, source, reason)
        old, ok = {"status": dispute.status}, str(outcome)
        dispute.status = ok
        dispute.reason, dispute.reason_original = shown.public, shown.original
        dispute.decided_by, dispute.decided_at = actor, self.now
        journal.record(
            self.session,
            [
                Change(
                    actor, "dispute.decide", "dispute", dispute.public_id, old, {"status": outcome}
                )
            ],
            changed={ChangeKind.DISPUTE: [dispute.seller_id]},
        )
        return dispute

    def _withdraw(self, dispute: Dispute, actor: str, role: str, reason: str) -> None:
        EventService(self.session, actor=actor, role=role, now=self.now).amend(
            dispute.event_id,
            EventAmendment.model_validate(
                {"resolution": "invalid", "reason": f"dispute {dispute.public_id}: {reason}"}
            ),
        )

    def _grant(self, dispute: Dispute, actor: str, reason: str) -> None:
        target = self.session.get(Sanction, dispute.sanction_id)
        seller = self.session.get(Seller, dispute.seller_id)
        assert target is not None and seller is not None  # set at filing, never deleted
        record = {
            "kind": ABNORMAL_REMOVED if dispute.kind == "abnormal_removal" else CREDIT_REPAIR,
            "seller": seller.public_id,
            "refers_to": target.external_ref or target.decision_number,
            "external_ref": f"dispute-{dispute.public_id}",
            "authority": target.authority,
            "decided_on": self.now.date().isoformat(),
            "summary": reason,
        }
        if dispute.kind == "abnormal_removal":
            record["reason"] = target.reason
        service = SanctionService(self.session, actor=actor, role="regulator", now=self.now)
        (result,) = list(service.submit([record]))
        if result.status == "rejected":
            raise ValidationFailed("the decision could not be recorded", result.errors or {})


def public(dispute: Dispute, *, private: bool = False) -> dict[str, Any]:
    """A dispute as the public sees it (``private``: as its filer and its source see it)."""
    out = {
        "id": dispute.public_id,
        "kind": dispute.kind,
        "event_id": dispute.event_id,
        "status": dispute.status,
        "statement": dispute.statement,
        "filed_at": dispute.created_at,
        "decided_at": dispute.decided_at,
        "reason": dispute.reason,
    }
    if private:
        out["queue"] = dispute.queue
        out["filed_by"] = dispute.filed_by
        out["decided_by"] = dispute.decided_by
    return out


def published(session: Session, seller_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The sellers' disputes as the public sees them, newest first, by seller (one query)."""
    out: dict[int, list[dict[str, Any]]] = {sid: [] for sid in seller_ids}
    if not seller_ids:
        return out
    rows = session.execute(
        select(Dispute).where(Dispute.seller_id.in_(seller_ids)).order_by(Dispute.id.desc())
    ).scalars()
    for dispute in rows:
        out[dispute.seller_id].append(public(dispute))
    return out

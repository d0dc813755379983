"""What is read of complaints: by id, per seller, the queues, the public and private views,
and whether an order reference names a purchase."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from ..core.errors import NotFound
from ..events.fulfillment_models import OrderConfirmation
from ..events.models import Event
from ..notify import notices_for
from ..registration.models import Seller
from ..trust.tokens import Principal, require_role
from .models import Complaint
from .rules import MERCHANT_STATES, PUBLIC_STATES

#: the columns public_view reads (public_stream reads no other)
_PUBLIC_COLUMNS = (
    "id",
    "public_id",
    "seller_id",
    "category",
    "status",
    "status_reason",
    "verification",
    "created_at",
    "narrative_public",
    "merchant_reply",
    "merchant_response",
    "replied_at",
    "reply_due_at",
    "outcome",
    "publish_narrative",
    "rebuttal",
    "rebutted_at",
    "rebuttal_answer",
    "rebuttal_answered_at",
    "escalated_at",
    "escalation_reason",
    "decision",
    "decision_reason",
    "decided_at",
)


@dataclass(frozen=True)
class QueueFilters:
    """Which waiting complaints a moderator looks at: one seller, one category, filed
    before a time (older than an age), due for moderation before a time."""

    seller_id: int | None = None
    category: str | None = None
    filed_before: datetime | None = None
    due_before: datetime | None = None

    def conditions(self) -> list[Any]:
        found: list[Any] = [Complaint.status == "submitted"]
        if self.seller_id is not None:
            found.append(Complaint.seller_id == self.seller_id)
        if self.category:
            found.append(Complaint.category == self.category)
        if self.filed_before is not None:
            found.append(Complaint.created_at < self.filed_before)
        if self.due_before is not None:
            found.append(Complaint.moderation_due_at < self.due_before)
        return found


class ComplaintQueries:
    """Reads of complaints (they write nothing)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._seller_ids: dict[int, str] = {}

    def get(self, complaint_id: int | str) -> Complaint:
        """Return a complaint by id or public id, or raise NotFound."""
        if isinstance(complaint_id, int):
            complaint = self.session.get(Complaint, complaint_id)
        else:
            complaint = self.session.execute(
                select(Complaint).where(Complaint.public_id == complaint_id)
            ).scalar_one_or_none()
        if complaint is None:
            raise NotFound(f"no complaint {complaint_id!r}")
        return complaint

    def for_seller(self, seller_id: int, public: bool = True) -> list[Any]:
        """Return a seller's complaints, newest first.

        ``public``: the public views of the complaints anyone may see (dicts, nothing else);
        otherwise every Complaint row, for moderation tools.
        """
        query = select(Complaint).where(Complaint.seller_id == seller_id)
        if public:
            query = query.where(Complaint.status.in_(PUBLIC_STATES))
        query = query.order_by(Complaint.created_at.desc(), Complaint.id.desc())
        rows = list(self.session.execute(query).scalars())
        return [self.public_view(c) for c in rows] if public else rows

    def for_merchant(self, seller_ids: Iterable[int], limit: int = 200) -> list[Complaint]:
        """The cases a merchant's sellers have with the registry, the nearest deadline first:
        accepted ones (awaiting its answer, the consumer's, or a regulator's) and closed ones."""
        ids = sorted(set(seller_ids))
        if not ids:
            return []
        return list(
            self.session.execute(
                select(Complaint)
                .where(Complaint.seller_id.in_(ids), Complaint.status.in_(MERCHANT_STATES))
                .order_by(
                    Complaint.reply_due_at.is_(None),
                    Complaint.reply_due_at,
                    Complaint.created_at.desc(),
                )
                .limit(limit)
            ).scalars()
        )

    def awaiting_reply_link(self, limit: int = 100) -> list[Complaint]:
        """Return accepted complaints whose merchant has no reply link yet (auto-accepted)."""
        return list(
            self.session.execute(
                select(Complaint)
                .where(
                    Complaint.status.in_(("merchant_notified", "no_response")),
                    Complaint.reply_token_digest.is_(None),
                )
                .order_by(Complaint.id)
                .limit(limit)
            ).scalars()
        )

    def moderation_queue(
        self, limit: int = 100, offset: int = 0, filters: QueueFilters | None = None
    ) -> list[Complaint]:
        """Return submitted complaints, the nearest moderation deadline first."""
        return list(
            self.session.execute(
                select(Complaint)
                .where(*(filters or QueueFilters()).conditions())
                .order_by(Complaint.moderation_due_at, Complaint.id)
                .limit(limit)
                .offset(offset)
            ).scalars()
        )

    def moderation_total(self, filters: QueueFilters | None = None) -> int:
        """How many complaints wait for a moderator (of those *filters* choose)."""
        return self.session.execute(
            select(func.count())
            .select_from(Complaint)
            .where(*(filters or QueueFilters()).conditions())
        ).scalar_one()

    def purchase_verification(self, seller_id: int, order_ref: str | None) -> str:
        """ "purchase" when a platform or regulator recorded or confirmed this order."""
        if not order_ref:
            return "unverified"
        found = self.session.execute(
            select(Event.id)
            .where(
                Event.seller_id == seller_id,
                Event.kind == "order",
                Event.order_ref == order_ref,
                Event.verification.in_(("platform", "regulator")),
            )
            .limit(1)
        ).first()
        if found is None:  # or a platform confirmed the order (registry.events.confirmations)
            found = self.session.execute(
                select(OrderConfirmation.id)
                .where(
                    OrderConfirmation.seller_id == seller_id,
                    OrderConfirmation.order_ref == order_ref,
                )
                .limit(1)
            ).first()
        return "purchase" if found else "unverified"

    @staticmethod
    def reply_late(complaint: Complaint) -> bool:
        return bool(
            complaint.replied_at
            and complaint.reply_due_at
            and complaint.replied_at > complaint.reply_due_at
        )

    def public_stream(self, chunk: int = 500) -> Iterator[list[dict[str, Any]]]:
        """Yield the public views of every public complaint, ``chunk`` at a time, oldest first.

        Keyset pages that read only the columns ``public_view`` shows (no ORM objects, none
        of the private columns), so memory holds one chunk whatever the count.
        """
        query = (
            select(*(getattr(Complaint, name) for name in _PUBLIC_COLUMNS), Seller.public_id)
            .join(Seller, Seller.id == Complaint.seller_id)
            .where(Complaint.status.in_(PUBLIC_STATES))
            .order_by(Complaint.id)
            .limit(chunk)
        )
        last = 0
        while True:
            rows = self.session.execute(query.where(Complaint.id > last)).all()
            if not rows:
                return
            yield [self.public_view(row, seller=row[-1]) for row in rows]  # type: ignore[arg-type]
            if len(rows) < chunk:
                return
            last = rows[-1].id

    def public_view(
        self, complaint: Complaint, seller: str | None = None, full: bool = False
    ) -> dict[str, Any]:
        """Return what anyone may see: never contact, name, original text or digests.

        A complaint no moderator has accepted (submitted, rejected, invalid) shows none of
        its text: unmoderated or found false, it is nobody's to read; nor does one whose
        complainant chose to publish only its category and outcome (``narrative_shown`` is
        then False). ``seller``: the seller's public id, when the caller read it already.
        ``full``: the scrubbed texts whatever the consent (the parties, moderators and
        regulators read them).
        """
        consented = bool(complaint.publish_narrative)
        shown = complaint.status in PUBLIC_STATES and (consented or full)
        if seller is None and complaint.seller_id is not None:
            if complaint.seller_id not in self._seller_ids:
                self._seller_ids[complaint.seller_id] = self.session.execute(
                    select(Seller.public_id).where(Seller.id == complaint.seller_id)
                ).scalar_one()
            seller = self._seller_ids[complaint.seller_id]
        view = {
            "id": complaint.public_id,
            "seller": seller,
            "category": complaint.category,
            "status": complaint.status,
            "status_reason": complaint.status_reason,
            "verification": complaint.verification,
            "created_at": complaint.created_at,
            "narrative": complaint.narrative_public if shown else None,
            "merchant_reply": complaint.merchant_reply if shown else None,
            "replied_at": complaint.replied_at if shown else None,
            "reply_late": shown and self.reply_late(complaint),
            # What the answer does is published, as CFPB publishes a company's response;
            # the money offered stays between the parties.
            "merchant_response": (
                complaint.merchant_response if complaint.status in PUBLIC_STATES else None
            ),
            "outcome": complaint.outcome,
            "narrative_shown": consented,
            "rebuttal": complaint.rebuttal if shown else None,
            "rebutted_at": complaint.rebutted_at if shown else None,
            "rebuttal_answer": complaint.rebuttal_answer if shown else None,
            "rebuttal_answered_at": complaint.rebuttal_answered_at if shown else None,
            "escalated_at": complaint.escalated_at,
            "escalation_reason": complaint.escalation_reason if shown else None,
            # A regulator's decision is published, whatever the complainant chose.
            "decision": complaint.decision,
            "decision_reason": complaint.decision_reason,
            "decided_at": complaint.decided_at,
        }
        if complaint.seller_id is None:
            # A site named instead of a seller: its registrable domain, never the host typed.
            view["site"] = complaint.site_domain
        return view

    def merchant_reached(self, complaint_id: int) -> bool:
        """Whether the newest message to this complaint's merchant has somewhere to go."""
        notes = [n for n in notices_for(self.session, complaint_id) if n["audience"] == "merchant"]
        return bool(notes) and notes[-1]["status"] != "unreachable"

    def moderator_view(self, complaint: Complaint, actor: Principal) -> dict[str, Any]:
        """Return the public view plus the private fields a moderator needs (no digests)."""
        require_role(actor, "moderator")
        return {
            **self.public_view(complaint, full=True),
            "narrative": complaint.narrative_public,
            "merchant_reply": complaint.merchant_reply,
            # Messages the registry could not send (no address on record) show here.
            "notifications": notices_for(self.session, complaint.id),
            "narrative_original": complaint.narrative_original,
            "merchant_reply_original": complaint.merchant_reply_original,
            "status_reason_original": complaint.status_reason_original,
            "complainant_name": complaint.complainant_name,
            "contact": complaint.contact,
            "complainant_ref": complaint.complainant_ref,
            "order_ref": complaint.order_ref,
            "amount": None if complaint.amount is None else str(complaint.amount),
            "desired_resolution": complaint.desired_resolution,
            "moderation_due_at": complaint.moderation_due_at,
            "reply_due_at": complaint.reply_due_at,
            "updated_at": complaint.updated_at,
        }

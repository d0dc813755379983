"""Who is told of each step, in the step's transaction: the party who must act next gets
what they need to act (a reply link, a deadline), the complainant every step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from ..notify import enqueue, mail_address
from ..registration.models import Seller
from .models import Complaint


def day(value: datetime | None) -> str:
    """A deadline as the messages show it: ``2026-06-08 09:00 UTC``."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


class Notices:
    """Queue the messages of a complaint's steps (``enqueue``: the outbox, same transaction)."""

    def __init__(self, session: Session, now: datetime, regulator_address: str | None = None):
        self.session = session
        self.now = now
        self.regulator_address = regulator_address

    def _context(self, complaint: Complaint, **extra: Any) -> dict[str, Any]:
        # A report of a site nobody has identified names its domain until it is attached.
        seller = complaint.site_domain
        if complaint.seller_id is not None:
            seller = self.session.execute(
                select(Seller.legal_name).where(Seller.id == complaint.seller_id)
            ).scalar_one()
        return {
            "public_id": complaint.public_id,
            "seller_name": seller,
            "category": complaint.category,
            **extra,
        }

    def consumer(self, complaint: Complaint, template: str, **extra: Any) -> None:
        """Tell the complainant (at the e-mail they gave; a phone number cannot be mailed)."""
        enqueue(
            self.session,
            audience="consumer",
            recipient=mail_address(complaint.contact),
            template=template,
            context=self._context(complaint, **extra),
            locale=complaint.locale,
            complaint_id=complaint.id,
            now=self.now,
        )

    def merchant(self, complaint: Complaint, template: str, **extra: Any) -> bool:
        """Tell the seller at its registered contact e-mail; False when it has none (the
        outbox then records that nobody could be told, for moderators to see)."""
        address = self.session.execute(
            select(Seller.contact_email).where(Seller.id == complaint.seller_id)
        ).scalar_one()
        row = enqueue(
            self.session,
            audience="merchant",
            recipient=mail_address(address),
            template=template,
            context=self._context(complaint, **extra),
            locale="zh",
            complaint_id=complaint.id,
            now=self.now,
        )
        return row.recipient is not None

    def regulator(self, complaint: Complaint, template: str, **extra: Any) -> None:
        """Tell the regulators' desk, when the operator named one (the queue is the API)."""
        enqueue(
            self.session,
            audience="regulator",
            recipient=mail_address(self.regulator_address),
            template=template,
            context=self._context(complaint, **extra),
            locale="zh",
            complaint_id=complaint.id,
            now=self.now,
        )

"""Order confirmations: a complaint naming a confirmed order of its seller is
purchase-verified, whether the confirmation came before or after it."""

from __future__ import annotations

from sqlalchemy import select

from registry.complaints.models import Complaint
from registry.events.confirmations import ConfirmationService
from registry.events.models import Event
from registry.journal.models import ChangeLogEntry
from registry.registration.importing import RawRecord

from ...factories import make_seller
from ..complaints.helpers import MODERATOR, NOW, accepted, file, service

SOURCE = "platform:shop-a"


def confirm(session, records, source=SOURCE):
    results = list(
        ConfirmationService(session, source, now=NOW).submit(
            [RawRecord(i, r) for i, r in enumerate(records, 1)]
        )
    )
    session.commit()
    return results


def order(seller, ref="ORD-1", **extra):
    return {"seller": seller.public_id, "order_ref": ref, "confirmed_at": "2026-05-30", **extra}


def test_a_confirmation_before_the_complaint_makes_it_purchase_verified(session):
    seller = make_seller(session)
    [result] = confirm(session, [order(seller)])
    assert result.status == "created"
    complaint, _ = file(session, seller, order_ref="ORD-1")
    assert complaint.verification == "purchase"


def test_a_confirmation_after_filing_verifies_the_waiting_complaint(session):
    seller = make_seller(session)
    complaint, _ = file(session, seller, order_ref="ORD-1")
    assert complaint.verification == "unverified"
    confirm(session, [order(seller)])
    session.rollback()
    assert session.get(Complaint, complaint.id).verification == "purchase"
    service(session).accept(complaint.id, MODERATOR)
    session.commit()
    event = session.execute(select(Event).where(Event.complaint_id == complaint.id)).scalar_one()
    assert event.verification == "purchase" and event.order_ref == "ORD-1"


def test_a_confirmation_after_acceptance_verifies_the_scored_event_and_rescores(session):
    seller = make_seller(session)
    complaint, _, _ = accepted(session, seller, order_ref="ORD-7")
    confirm(session, [order(seller, "ORD-7")])
    session.rollback()
    event = session.execute(select(Event).where(Event.complaint_id == complaint.id)).scalar_one()
    assert event.verification == "purchase"
    assert event.order_ref == "ORD-7" and event.complainant_ref == complaint.complainant_ref
    kinds = session.execute(
        select(ChangeLogEntry.kind).where(ChangeLogEntry.seller_id == seller.id)
    ).scalars()
    assert "event_update" in set(kinds)


def test_an_order_of_another_seller_verifies_nothing(session):
    seller, other = make_seller(session), make_seller(session)
    complaint, _ = file(session, seller, order_ref="ORD-1")
    confirm(session, [order(other)])
    session.rollback()
    assert session.get(Complaint, complaint.id).verification == "unverified"


def test_bad_confirmations_are_rejected_with_their_lines_and_a_resend_is_unchanged(session):
    seller = make_seller(session)
    results = confirm(
        session,
        [
            order(seller),
            order(seller, ref=""),
            order(seller, confirmed_at="2999-01-01"),
            order(seller, ref="x" * 65),
            {"order_ref": "A", "confirmed_at": "2026-05-30"},
        ],
    )
    assert [r.status for r in results] == ["created", *["rejected"] * 4]
    assert [next(iter(r.errors)) for r in results[1:]] == [
        "order_ref",
        "confirmed_at",
        "order_ref",
        "seller",
    ]
    [again] = confirm(session, [order(seller)])
    assert again.status == "unchanged"

"""Shared helpers of the complaint tests: a service at a fixed time, forms, filings."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime

from sqlalchemy import select

from registry.complaints.service import ComplaintService
from registry.events.models import Event
from registry.journal.models import ChangeLogEntry
from registry.trust.tokens import Principal

from ...factories import make_seller

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SECRET = "complaint-test-secret"
MODERATOR = Principal(1, "mod", "moderator")
NARRATIVE = "付款后商家一直不发货，客服也不回复，请平台帮忙处理退款。"


def service(session, now=NOW, **kwargs) -> ComplaintService:
    return ComplaintService(session, now, secret=SECRET, **kwargs)


def form(seller, **overrides) -> dict:
    return {
        "seller": seller.public_id,
        "category": "contract_fulfillment",
        "narrative": NARRATIVE,
        "contact": "13812345678",
        **overrides,
    }


def unique_narrative(i: int) -> str:
    rng = random.Random(i)
    return "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(60))


def file(session, seller, now=NOW, client="ip-1", **overrides):
    complaint, token = service(session, now).file(form(seller, **overrides), client)
    session.commit()
    return complaint, token


def accepted(session, seller=None, **overrides):
    """Return (complaint, complainant token, reply token) of an accepted complaint."""
    seller = seller or make_seller(session)
    complaint, ctoken = file(session, seller, **overrides)
    rtoken = service(session).accept(complaint.id, MODERATOR)
    session.commit()
    return complaint, ctoken, rtoken


def merchant(seller) -> Principal:
    return Principal(9, "shop", "merchant", seller_id=seller.id)


def event_of(session, complaint) -> Event:
    return session.execute(select(Event).where(Event.complaint_id == complaint.id)).scalar_one()


def kinds(session) -> list[str]:
    return list(session.execute(select(ChangeLogEntry.kind).order_by(ChangeLogEntry.seq)).scalars())


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- filing -------------------------------------------------------------------------------

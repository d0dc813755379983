"""Notifications reach a real SMTP server (aiosmtpd, on a free port), retried with back-off
when it refuses; without SMTP_HOST they are written to instance/outbox/."""

from __future__ import annotations

import email
import socket
from datetime import timedelta
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from registry.complaints.service import ComplaintService
from registry.core.types import utcnow
from registry.notify.models import Notification
from registry.trust.tokens import Principal
from web.jobs import case_clock, send_notifications

from ..factories import make_seller

MODERATOR = Principal(1, "mod", "moderator")
NARRATIVE = "付款后商家一直不发货，客服电话13912345678也不回复。"


class Inbox:
    """An SMTP handler that keeps what it receives, and refuses the first ``refuse`` times."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = refuse
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    def start(refuse: int = 0) -> Inbox:
        inbox = Inbox(refuse)
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, MAIL_FROM="desk@registry.test")
        return inbox

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


def service(app, session, now=None) -> ComplaintService:
    return ComplaintService(session, now, secret=app.config["DIGEST_SECRET"])


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def file_and_accept(app, session, **overrides):
    seller = make_seller(session)
    seller.contact_email = "shop@seller.test"
    data = {
        "seller": seller.public_id,
        "category": "contract_fulfillment",
        "narrative": NARRATIVE,
        "contact": "buyer@example.com",
        "complainant_name": "王小明",
        **overrides,
    }
    complaint, token = service(app, session).file(data, "client-1")
    session.commit()
    reply = service(app, session).accept(complaint.id, MODERATOR)
    session.commit()
    return complaint, token, reply


def test_the_merchant_gets_its_reply_link_and_the_consumer_each_step(app, session, smtp):
    inbox = smtp()
    complaint, token, reply = file_and_accept(app, session)
    # Nothing is sent in the step itself: only the job sends.
    assert inbox.messages == []
    assert send_notifications(app) == {"sent": 3}
    by_to = {m["To"]: m for m in inbox.messages if m["To"] == "shop@seller.test"}
    merchant = by_to["shop@seller.test"]
    assert merchant["From"] == "desk@registry.test" and complaint.public_id in merchant["Subject"]
    assert f"/complaints/{complaint.public_id}/reply#token={reply}" in body(merchant)
    assert "13912345678" not in body(merchant)  # the scrubbed account
    consumer = [m for m in inbox.messages if m["To"] == "buyer@example.com"]
    assert [m["Subject"] for m in consumer] == [
        f"您的投诉 {complaint.public_id} 已收到",
        f"投诉 {complaint.public_id} 已受理",
    ]
    assert f"/complaints/{complaint.public_id}/status#token={token}" in body(consumer[0])
    # The link works: the merchant replies with it, and the consumer is told.
    service(app, session).reply(complaint.id, "已补发。", token=reply)
    session.commit()
    assert send_notifications(app) == {"sent": 1}
    assert "已补发" in body(inbox.messages[-1]) and inbox.messages[-1]["To"] == "buyer@example.com"
    # Sent messages keep no secret.
    for row in session.execute(select(Notification)).scalars():
        assert "token" not in row.context and row.status == "sent" and row.sent_at


def test_messages_are_written_in_the_language_of_the_filing(app, session, smtp):
    inbox = smtp()
    complaint, _, _ = file_and_accept(app, session, locale="en")
    send_notifications(app)
    subjects = {m["Subject"] for m in inbox.messages if m["To"] == "buyer@example.com"}
    assert subjects == {
        f"Your complaint {complaint.public_id} was received",
        f"Complaint {complaint.public_id} was accepted",
    }
    merchant = next(m for m in inbox.messages if m["To"] == "shop@seller.test")
    assert merchant["Subject"].startswith("请答复")  # merchants are written to in Chinese


def test_the_merchant_is_reminded_of_the_rebuttal_s_deadline_by_mail(app, session, smtp):
    """The case clock's reminder before the merchant's deadline to answer a rebuttal, as the
    SMTP server receives it: to the seller's e-mail, in Chinese, with the rebuttal, the
    deadline and where to answer."""
    inbox = smtp()
    complaint, token, reply = file_and_accept(app, session)
    replied_at = utcnow()
    service(app, session, replied_at).reply(complaint.id, "已补发。", token=reply)
    rebuttal = "没有收到补发的商品，快递单号查不到，请打13912345678联系我。"
    service(app, session, replied_at).rebut(complaint.id, rebuttal)
    session.commit()
    send_notifications(app)
    inbox.messages.clear()
    due = replied_at + timedelta(days=15)  # the rebuttal's answer period
    assert case_clock(app, now=due - timedelta(days=3, seconds=1))["reminded"] == 0
    assert inbox.messages == []  # queued only by the clock, sent only by the sender job
    assert case_clock(app, now=due - timedelta(days=3))["reminded"] == 1
    assert inbox.messages == []
    assert send_notifications(app, due - timedelta(days=3)) == {"sent": 1}
    [mail] = inbox.messages
    assert mail["To"] == "shop@seller.test" and mail["From"] == "desk@registry.test"
    assert mail["Subject"].startswith("提醒") and complaint.public_id in mail["Subject"]
    text = body(mail)
    assert f"{due:%Y-%m-%d %H:%M} UTC" in text and "快递单号查不到" in text
    assert "/merchant" in text and f"/complaints/{complaint.public_id}" in text
    assert "13912345678" not in text  # the rebuttal as published: scrubbed
    # once: the next runs remind nobody again
    assert case_clock(app, now=due - timedelta(days=1))["reminded"] == 0
    assert send_notifications(app, due - timedelta(days=1)) == {}


def test_a_refusing_server_is_retried_with_exponential_back_off(app, session, smtp):
    inbox = smtp(refuse=2)
    seller = make_seller(session)
    complaint, _ = service(app, session).file(
        {
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": NARRATIVE,
            "contact": "buyer@example.com",
        },
        "client-1",
    )
    session.commit()
    now = utcnow()
    assert send_notifications(app, now) == {"retry": 1}
    row = session.execute(select(Notification)).scalar_one()
    session.commit()  # a new read: the job wrote in its own transaction
    session.refresh(row)
    assert row.attempts == 1 and "451" in row.last_error
    assert row.next_attempt_at == now + timedelta(seconds=60)
    assert send_notifications(app, now + timedelta(seconds=30)) == {}  # not due yet
    later = now + timedelta(seconds=60)
    assert send_notifications(app, later) == {"retry": 1}
    session.commit()  # a new read: the job wrote in its own transaction
    session.refresh(row)
    assert row.next_attempt_at == later + timedelta(seconds=120)  # doubled
    assert send_notifications(app, later + timedelta(seconds=120)) == {"sent": 1}
    session.commit()  # a new read: the job wrote in its own transaction
    session.refresh(row)
    assert row.status == "sent" and row.attempts == 3 and row.last_error is None
    assert inbox.refused == 2 and [m["To"] for m in inbox.messages] == ["buyer@example.com"]


def test_a_message_is_given_up_after_the_last_attempt(app, session, smtp):
    smtp(refuse=99)
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    seller = make_seller(session)
    service(app, session).file(
        {
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": NARRATIVE,
            "contact": "buyer@example.com",
        },
        "client-1",
    )
    session.commit()
    now = utcnow()
    assert send_notifications(app, now) == {"retry": 1}
    assert send_notifications(app, now + timedelta(hours=1)) == {"failed": 1}
    row = session.execute(select(Notification)).scalar_one()
    session.commit()  # a new read: the job wrote in its own transaction
    session.refresh(row)
    assert row.status == "failed" and "token" not in row.context


def test_an_unreachable_server_is_retried_too(app, session):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    seller = make_seller(session)
    service(app, session).file(
        {
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": NARRATIVE,
            "contact": "buyer@example.com",
        },
        "client-1",
    )
    session.commit()
    assert send_notifications(app) == {"retry": 1}


def test_without_smtp_host_messages_are_written_to_the_outbox_folder(app, session, caplog):
    from pathlib import Path

    app.config["SMTP_HOST"] = None
    complaint, _, _ = file_and_accept(app, session)
    with caplog.at_level("INFO"):
        assert send_notifications(app) == {"sent": 3}
    files = sorted((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) == 3
    texts = [email.message_from_bytes(f.read_bytes(), policy=default_policy) for f in files]
    assert {m["To"] for m in texts} == {"buyer@example.com", "shop@seller.test"}
    assert any("written to" in r.getMessage() for r in caplog.records)


def test_without_a_registered_e_mail_nobody_is_invented(app, session, smtp, client):
    inbox = smtp()
    seller = make_seller(session)  # no contact e-mail on record
    complaint, _ = service(app, session).file(
        {
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": NARRATIVE,
            "contact": "13812345678",
        },  # a phone: no message can be sent either
        "client-1",
    )
    session.commit()
    service(app, session).accept(complaint.id, MODERATOR)
    session.commit()
    assert send_notifications(app) == {}
    assert inbox.messages == []
    view = service(app, session).moderator_view(complaint, MODERATOR)
    merchant = [n for n in view["notifications"] if n["audience"] == "merchant"]
    assert [n["status"] for n in merchant] == ["unreachable"]
    assert all(n["status"] == "unreachable" for n in view["notifications"])


def test_a_registration_e_mail_is_kept_privately_and_used_for_the_merchant(app, session, client):
    from registry.registration.columns import canonical_key

    # The publicity system's e-mail columns fill it (no longer ignored).
    assert canonical_key("电子邮箱") == canonical_key("E-mail") == "contact_email"
    seller = make_seller(session, contact_email="Shop@Seller.TEST")
    assert seller.contact_email == "shop@seller.test"
    record = client.get(f"/api/v1/sellers/{seller.public_id}").get_data(as_text=True)
    page = client.get(f"/sellers/{seller.public_id}").get_data(as_text=True)
    assert "shop@seller.test" not in record.lower() and "shop@seller.test" not in page.lower()
    complaint, _ = service(app, session).file(
        {
            "seller": seller.public_id,
            "category": "contract_fulfillment",
            "narrative": NARRATIVE,
            "contact": "13812345678",
        },
        "client-1",
    )
    service(app, session).accept(complaint.id, MODERATOR)
    session.commit()
    assert service(app, session).merchant_reached(complaint.id)
    with pytest.raises(Exception, match="contact_email"):
        make_seller(session, contact_email="not an address")

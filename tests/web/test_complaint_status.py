"""The complainant's status page (private link or one-time code) and the lost-link recovery."""

from __future__ import annotations

import re

from sqlalchemy import select

from registry.complaints.models import AccessCode, Complaint
from registry.notify.models import Notification
from registry.trust.tokens import Principal

from ..factories import make_seller
from .test_complaints_web import FORM, split_private_link

MODERATOR = Principal(1, "mod", "moderator")


def csrf(html: str) -> str:
    """The CSRF token of any form of the page (prefixed forms share the session's)."""
    return re.search(r'name="[\w-]*csrf_token"[^>]*value="([^"]+)"', html).group(1)


def file_form(client, seller, **overrides) -> tuple[str, str]:
    url = f"/sellers/{seller.public_id}/complain"
    token = csrf(client.get(url).get_data(as_text=True))
    data = {
        **FORM,
        "narrative": "付款后一直没有发货，客服电话13912345678也打不通。",
        "publish_narrative": "yes",
        "csrf_token": token,
        **overrides,
    }
    html = client.post(url, data=data).get_data(as_text=True)
    link = re.search(r'id="private-link" href="([^"]+)"', html).group(1)
    return split_private_link(link)


def open_status(client, path: str, token: str):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"action": "open", "token": token, "csrf_token": csrf(page)})


def test_filing_page_says_what_happens_next_from_the_rules(client, session):
    seller = make_seller(session)
    html = client.get(f"/sellers/{seller.public_id}/complain").get_data(as_text=True)
    assert 'id="what-next"' in html and "7 天内" in html and "15 天" in html
    assert 'name="publish_narrative"' in html


def test_the_private_link_opens_the_status_page_with_the_timeline(client, session):
    seller = make_seller(session)
    path, token = file_form(client, seller)
    assert path.endswith("/status")
    before = client.get(path).get_data(as_text=True)
    assert "13912345678" not in before and "data-autosubmit" in before
    opened = open_status(client, path, token)
    assert opened.status_code == 303
    html = client.get(path).get_data(as_text=True)
    # Their own words as typed, the timeline with its date, the next deadline.
    assert "13912345678" in html and 'id="timeline"' in html and "提交投诉" in html
    assert 'id="deadline"' in html and "审核截止时间" in html
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_a_wrong_token_opens_nothing(client, session):
    seller = make_seller(session)
    path, token = file_form(client, seller)
    wrong = open_status(client, path, token[:-2] + "xx")
    assert wrong.status_code == 401
    assert "13912345678" not in wrong.get_data(as_text=True)
    assert "13912345678" not in client.get(path).get_data(as_text=True)
    # Another complaint's token opens only its own complaint.
    other_seller = make_seller(session)
    other_path, other_token = file_form(
        client,
        other_seller,
        contact="13900001111",
        narrative="买的手机是翻新机，商家拒绝退货退款。",
    )
    assert open_status(client, path, other_token).status_code == 401
    assert open_status(client, other_path, other_token).status_code == 303
    assert "13912345678" not in client.get(other_path).get_data(as_text=True)


def test_missing_token_and_unknown_complaint_are_4xx(client, session):
    seller = make_seller(session)
    path, _ = file_form(client, seller)
    page = client.get(path).get_data(as_text=True)
    assert client.post(path, data={"action": "open", "csrf_token": csrf(page)}).status_code == 400
    assert client.post(path, data={"action": "open", "token": "x"}).status_code == 400  # no CSRF
    assert client.get("/complaints/c-nothing/status").status_code == 404
    assert client.post(path, data={"action": "rebut", "csrf_token": csrf(page)}).status_code == 200


def _replied(app, client, session):
    from registry.complaints.service import ComplaintService

    seller = make_seller(session)
    path, token = file_form(client, seller)
    public_id = path.split("/")[2]
    service = ComplaintService(session, secret=app.config["DIGEST_SECRET"])
    row = service.get(public_id)
    reply = service.accept(row.id, MODERATOR)
    service.reply(row.id, "已经补发，快递单号SF123。", token=reply)
    session.commit()
    open_status(client, path, token)
    return path, row


def test_rebut_then_escalate_from_the_status_page(app, client, session):
    path, row = _replied(app, client, session)
    html = client.get(path).get_data(as_text=True)
    assert 'id="rebut-form"' in html and 'id="escalate-form"' in html
    assert 'id="accept-form"' in html and "已经补发" in html
    sent = client.post(
        path,
        data={
            "action": "rebut",
            "rebut-rebuttal": "没有收到补发的货。",
            "rebut-csrf_token": csrf(html),
        },
    )
    assert sent.status_code == 303
    session.expire_all()
    assert session.get(Complaint, row.id).status == "rebutted"
    html = client.get(path).get_data(as_text=True)
    assert "没有收到补发的货" in html and 'id="rebut-form"' not in html
    assert 'id="escalate-form"' not in html  # the merchant answers first


def test_escalate_from_the_status_page(app, client, session):
    path, row = _replied(app, client, session)
    html = client.get(path).get_data(as_text=True)
    sent = client.post(
        path,
        data={
            "action": "escalate",
            "escalate-escalation_reason": "商家答复不实。",
            "escalate-csrf_token": csrf(html),
        },
    )
    assert sent.status_code == 303
    session.expire_all()
    assert session.get(Complaint, row.id).status == "escalated"
    assert "已转交监管部门" in client.get(path).get_data(as_text=True)


def test_accept_the_outcome_from_the_status_page(app, client, session):
    path, row = _replied(app, client, session)
    html = client.get(path).get_data(as_text=True)
    sent = client.post(path, data={"action": "accept", "accept-csrf_token": csrf(html)})
    assert sent.status_code == 303
    session.expire_all()
    done = session.get(Complaint, row.id)
    assert (done.status, done.outcome) == ("closed", "resolved")


def _ask(client, contact: str, address: str = "127.0.0.1"):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/complaints/recover", environ_base=environ).get_data(as_text=True)
    return client.post(
        "/complaints/recover",
        data={"step": "ask", "ask-contact": contact, "ask-csrf_token": csrf(page)},
        environ_base=environ,
    )


def _answer_text(response) -> str:
    """The page without its per-request parts (the CSRF token, the echoed contact)."""
    html = response.get_data(as_text=True)
    html = re.sub(r'name="[\w-]*csrf_token"[^>]*value="[^"]+"', "", html)
    return re.sub(r'value="[^"]*@[^"]*"', "", html)


def test_recovery_answers_alike_whether_or_not_the_contact_filed(app, client, session):
    seller = make_seller(session)
    file_form(client, seller, contact="buyer@example.com")
    known = _ask(client, "buyer@example.com")
    unknown = _ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert _answer_text(known) == _answer_text(unknown)
    # Both requests are recorded; only the contact that filed gets a code.
    assert len(session.execute(select(AccessCode)).all()) == 2
    codes = session.execute(
        select(Notification).where(Notification.template == "access_code")
    ).scalars()
    assert [n.recipient for n in codes] == ["buyer@example.com"]


def test_recovery_is_throttled_alike_for_both(app, client, session):
    for n in range(5):
        assert _ask(client, f"nobody{n}@example.com").status_code == 200
    assert _ask(client, "buyer@example.com").status_code == 429  # per client
    for n in range(3):  # per contact, from anywhere
        assert _ask(client, "same@example.com", f"10.0.0.{n}").status_code == 200
    assert _ask(client, "same@example.com", "10.0.0.9").status_code == 429


def test_a_code_opens_the_complainants_pages_once(app, client, session):
    seller = make_seller(session)
    path, _ = file_form(client, seller, contact="buyer@example.com")
    fresh = app.test_client()
    _ask(fresh, "buyer@example.com")
    message = session.execute(
        select(Notification).where(Notification.template == "access_code")
    ).scalar_one()
    code = message.context["code"]
    page = fresh.get("/complaints/recover").get_data(as_text=True)

    def redeem(value):
        return fresh.post(
            "/complaints/recover",
            data={
                "step": "code",
                "code-contact": "buyer@example.com",
                "code-code": value,
                "code-csrf_token": csrf(page),
            },
        )

    wrong = "000000" if code != "000000" else "111111"
    assert redeem(wrong).status_code == 401
    assert redeem(code).status_code == 303
    mine = fresh.get("/complaints/mine").get_data(as_text=True)
    assert path in mine
    assert "13912345678" in fresh.get(path).get_data(as_text=True)
    # Used once: the same code opens nothing for another browser.
    other = app.test_client()
    page = other.get("/complaints/recover").get_data(as_text=True)
    again = other.post(
        "/complaints/recover",
        data={
            "step": "code",
            "code-contact": "buyer@example.com",
            "code-code": code,
            "code-csrf_token": csrf(page),
        },
    )
    assert again.status_code == 401


def test_mine_without_a_code_goes_to_recovery(client):
    assert client.get("/complaints/mine").status_code == 303

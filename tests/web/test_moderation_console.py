"""The moderator's console: who may open it, the queue and its filters, the case view with
its masks, correcting the public text, decisions, and bulk rejection of spam."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.complaints.models import Complaint
from registry.journal.models import AuditEntry
from registry.notify.models import Notification

from ..factories import make_seller
from ..people import PASSWORD, csrf, make_account, sign_in

NARRATIVE = "我是张伟，付款后一直没有发货，电话13812345678，客服也不回复。"


def _file(client, seller, narrative=NARRATIVE, category="contract_fulfillment", **extra):
    address = extra.pop("address", "192.0.2.200")
    response = client.post(
        "/api/v1/complaints",
        json={
            "seller": seller.public_id,
            "category": category,
            "narrative": narrative,
            "contact": extra.pop("contact", "13800138000"),
            "complainant_name": "张伟",
            **extra,
        },
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 201, response.json
    return response.json["data"]["id"]


@pytest.fixture
def world(app, session):
    seller = make_seller(session, legal_name="杭州拾光数码有限公司")
    anon = app.test_client()
    complaint = _file(anon, seller)
    people = {
        "merchant": make_account(session, "merchant", seller_ids=[seller.id]),
        "regulator": make_account(session, "regulator"),
        "moderator": make_account(session, "moderator"),
        "pending": make_account(session, "moderator"),
    }
    return {"seller": seller, "complaint": complaint, "people": people}


def _client_as(app, world, who):
    client = app.test_client()
    if who == "anonymous":
        return client
    account = world["people"][who]
    if who == "pending":  # a moderator who gave the password but no code
        token = csrf(client, "/login")
        client.post(
            "/login", data={"csrf_token": token, "email": account.email, "password": PASSWORD}
        )
        return client
    assert sign_in(client, account).status_code == 302
    return client


ROUTES = [
    ("GET", "/moderation"),
    ("GET", "/moderation/{id}"),
    ("POST", "/moderation/{id}/text"),
    ("POST", "/moderation/{id}/decision"),
    ("POST", "/moderation/bulk"),
]
EXPECTED = {"anonymous": 302, "pending": 302, "merchant": 403, "regulator": 403}


@pytest.mark.parametrize("method,path", ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "pending", "merchant", "regulator", "moderator"])
def test_every_console_route_by_role(app, world, method, path, who):
    client = _client_as(app, world, who)
    url = path.format(id=world["complaint"])
    if method == "GET":
        response = client.get(url)
    else:
        token = csrf(client, "/login")  # any form of the site gives this session's token
        response = client.post(url, data={"csrf_token": token})
    if who == "moderator":
        assert response.status_code in ((200,) if method == "GET" else (302, 400)), response
        assert response.status_code != 403
    else:
        assert response.status_code == EXPECTED[who], (who, url, response.status_code)
        if EXPECTED[who] == 302:
            assert "/login" in response.headers["Location"]


ACCOUNT_ROUTES = [
    ("GET", "/account", {"merchant": 200, "regulator": 200, "moderator": 200}),
    ("POST", "/account/claim-code", {"merchant": 400, "regulator": 403, "moderator": 403}),
    ("POST", "/account/claim-domain", {"merchant": 400, "regulator": 403, "moderator": 403}),
    ("POST", "/account/claim-codes", {"merchant": 403, "regulator": 400, "moderator": 403}),
]


@pytest.mark.parametrize("method,path,expected", ACCOUNT_ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "pending", "merchant", "regulator", "moderator"])
def test_every_account_route_by_role(app, world, method, path, expected, who):
    client = _client_as(app, world, who)
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": csrf(client, "/login")})
    want = expected.get(who, 302)
    assert response.status_code == want, (who, path, response.status_code)


@pytest.mark.parametrize(
    "path", ["/login", "/logout", "/invitation", "/login/code", "/login/enrol"]
)
def test_sign_in_pages_open_to_anyone(client, path):
    response = client.get(path)
    assert response.status_code in (200, 302)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_case_shows_the_original_beside_the_public_text_with_the_masks(app, world):
    client = _client_as(app, world, "moderator")
    page = client.get(f"/moderation/{world['complaint']}?lang=en").get_data(as_text=True)
    assert "13812345678" in page  # the original, for the moderator
    assert 'data-kind="phone">13812345678</mark>' in page
    assert 'data-kind="name">张伟</mark>' in page
    assert "【电话已隐去】" in page  # the public copy


def test_a_case_whose_original_was_deleted_says_so(app, world, session):
    from sqlalchemy import select

    from registry.complaints.models import Complaint

    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    row.narrative_original = ""  # as the retention job leaves it
    session.commit()
    client = _client_as(app, world, "moderator")
    page = client.get(f"/moderation/{world['complaint']}?lang=zh").get_data(as_text=True)
    assert 'id="original-deleted"' in page and "保存期限" in page
    assert "【电话已隐去】" in page  # the public copy stays


def test_the_original_never_reaches_the_public_page(app, world, client):
    page = client.get(f"/complaints/{world['complaint']}").get_data(as_text=True)
    assert "13812345678" not in page


def test_an_edit_passes_the_gate_again_and_is_audited_with_the_person(app, world, session):
    client = _client_as(app, world, "moderator")
    url = f"/moderation/{world['complaint']}"
    token = csrf(client, url)
    edited = "付款后一直没有发货，客服也不回复。我的微信是 zhangwei1990，邮箱 zw@example.com。"
    response = client.post(url + "/text", data={"csrf_token": token, "text": edited})
    assert response.status_code == 302
    session.rollback()
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    assert "zw@example.com" not in row.narrative_public
    assert "zhangwei1990" not in row.narrative_public
    assert row.narrative_public.startswith("付款后一直没有发货")
    assert row.narrative_original == NARRATIVE  # the consumer's words stay as written
    [entry] = session.execute(
        select(AuditEntry).where(AuditEntry.action == "complaint.edit_public")
    ).scalars()
    assert entry.actor == f"user:{world['people']['moderator'].id}"


def test_a_rescrub_keeps_the_moderators_correction(app, world, session):
    from registry.privacy.gate import rescrub

    client = _client_as(app, world, "moderator")
    url = f"/moderation/{world['complaint']}"
    edited = "付款后一直没有发货，客服也不回复，已经等了三周。"
    client.post(url + "/text", data={"csrf_token": csrf(client, url), "text": edited})
    session.rollback()
    rescrub(session)
    session.commit()
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    assert row.narrative_public == edited


def test_accept_from_the_console_is_audited_with_the_person(app, world, session):
    client = _client_as(app, world, "moderator")
    url = f"/moderation/{world['complaint']}"
    token = csrf(client, url)
    response = client.post(url + "/decision", data={"csrf_token": token, "action": "accept"})
    assert response.status_code == 302
    session.rollback()
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    assert row.status == "merchant_notified"
    # The merchant's link goes to the merchant in its notice, never through the console.
    assert row.reply_token_digest is not None
    assert "#token=" not in response.get_data(as_text=True)
    notes = session.execute(
        select(Notification.audience).where(Notification.complaint_id == row.id)
    ).scalars()
    assert "merchant" in set(notes)
    actors = session.execute(
        select(AuditEntry.actor).where(AuditEntry.action == "complaint.accept")
    ).scalars()
    assert list(actors) == [f"user:{world['people']['moderator'].id}"]


def test_reject_needs_a_listed_reason_and_publishes_it_with_the_words(app, world, session):
    client = _client_as(app, world, "moderator")
    url = f"/moderation/{world['complaint']}"
    token = csrf(client, url)
    refused = client.post(url + "/decision?lang=en", data={"csrf_token": token, "action": "reject"})
    assert refused.status_code == 400
    assert "Choose a reason from the list." in refused.get_data(as_text=True)
    bogus = client.post(
        url + "/decision", data={"csrf_token": token, "action": "reject", "reason": "nope"}
    )
    assert bogus.status_code == 400
    done = client.post(
        url + "/decision",
        data={
            "csrf_token": token,
            "action": "reject",
            "reason": "duplicate",
            "note": "同一订单已投诉，联系 13912345678",
        },
    )
    assert done.status_code == 302
    session.rollback()
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    assert row.status == "rejected"
    assert row.status_reason.startswith("重复投诉：同一订单已投诉")
    assert "13912345678" not in row.status_reason


def test_invalid_after_acceptance(app, world, session):
    client = _client_as(app, world, "moderator")
    url = f"/moderation/{world['complaint']}"
    token = csrf(client, url)
    client.post(url + "/decision", data={"csrf_token": token, "action": "accept"})
    response = client.post(
        url + "/decision", data={"csrf_token": token, "action": "invalid", "reason": "false"}
    )
    assert response.status_code == 302
    session.rollback()
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    assert row.status == "invalid"


def test_a_decision_in_the_wrong_state_is_a_page_not_a_500(app, world):
    client = _client_as(app, world, "moderator")
    url = f"/moderation/{world['complaint']}"
    token = csrf(client, url)
    invalid = client.post(
        url + "/decision?lang=en",
        data={"csrf_token": token, "action": "invalid", "reason": "false"},
    )
    assert invalid.status_code == 409
    assert "current stage" in invalid.get_data(as_text=True)


def test_bulk_rejects_the_chosen_as_spam(app, world, session):
    seller = world["seller"]
    anon = app.test_client()
    texts = [
        "加微信领红包，优惠多多快来看看吧朋友们",
        "点击链接免费领取苹果手机一台名额有限",
        "兼职刷单日赚五百元轻松在家就能做到",
    ]
    spam = [
        _file(anon, seller, narrative=t, contact=f"1380013{i:04d}", address=f"192.0.2.{i + 1}")
        for i, t in enumerate(texts)
    ]
    client = _client_as(app, world, "moderator")
    token = csrf(client, "/moderation")
    response = client.post(
        "/moderation/bulk", data={"csrf_token": token, "ids": [*spam, "c-nosuchthing"]}
    )
    assert response.status_code == 302
    session.rollback()
    states = dict(
        session.execute(
            select(Complaint.public_id, Complaint.status).where(
                Complaint.public_id.in_([*spam, world["complaint"]])
            )
        ).all()
    )
    assert [states[s] for s in spam] == ["rejected"] * 3
    assert states[world["complaint"]] == "submitted"
    page = client.get("/moderation?lang=en").get_data(as_text=True)
    assert "Rejected as spam: 3." in page


def test_the_queue_filters_and_pages(app, world, session):
    other = make_seller(session)
    anon = app.test_client()
    _file(
        anon,
        other,
        narrative="收到的商品和描述完全不一致，要求退货退款被拒绝了",
        category="after_sales",
        contact="13800000001",
        address="192.0.2.77",
    )
    client = _client_as(app, world, "moderator")

    def ids(query):
        page = client.get("/moderation?" + query)
        assert page.status_code == 200, query
        return page.get_data(as_text=True).count('name="ids"')

    assert ids("") == 2
    assert ids(f"seller={world['seller'].public_id}") == 1
    assert ids("seller=s-nosuchsell") == 0
    assert ids("category=after_sales") == 1
    assert ids("age=1") == 0  # both filed today
    assert ids("due=overdue") == 0
    assert ids("due=3") == 0  # due in 7 days
    assert ids("per_page=1") == 1
    assert ids("per_page=1&page=2") == 1
    assert 'rel="next"' in client.get("/moderation?per_page=1").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=x",
        "page=99",
        "age=-1",
        "age=abc",
        "due=soon",
        "category=%00",
        "per_page=1000",
        "seller=" + "x" * 5000,
    ],
)
def test_bad_queue_arguments_get_a_page_not_a_500(app, world, query):
    client = _client_as(app, world, "moderator")
    response = client.get("/moderation?" + query)
    assert 400 <= response.status_code < 500 or response.status_code == 200, query
    assert response.mimetype == "text/html"


def test_an_unknown_case_is_a_404_page(app, world):
    client = _client_as(app, world, "moderator")
    assert client.get("/moderation/c-nosuchthing").status_code == 404


def test_the_due_filter_finds_overdue_complaints(app, world, session):
    row = session.execute(
        select(Complaint).where(Complaint.public_id == world["complaint"])
    ).scalar_one()
    row.moderation_due_at = row.created_at - timedelta(days=1)
    session.commit()
    client = _client_as(app, world, "moderator")
    page = client.get("/moderation?due=overdue").get_data(as_text=True)
    assert world["complaint"] in page and 'class="overdue"' in page

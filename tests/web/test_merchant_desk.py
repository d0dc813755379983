"""The merchant's desk: a merchant account sees only its sellers' cases, answers one with what
the answer does and a settlement offer the consumer then sees, and disputes a record that
reaches its source's queue; every route answers each role as it should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from registry.journal.models import AuditEntry

from ..factories import make_seller, make_token
from ..people import csrf, make_account, sign_in
from ..registry.complaints.helpers import accepted


@pytest.fixture
def desk(app, session):
    seller = make_seller(session, legal_name="杭州商家台测试商贸有限公司")
    other = make_seller(session, legal_name="别家商家台测试有限公司")
    complaint, ctoken, _ = accepted(session, seller)
    theirs, _, _ = accepted(session, other)
    merchant = make_account(session, "merchant", seller_ids=[seller.id])
    return {
        "seller": seller,
        "other": other,
        "complaint": complaint,
        "ctoken": ctoken,
        "theirs": theirs,
        "merchant": merchant,
    }


def _signed_in(app, account):
    client = app.test_client()
    response = sign_in(client, account)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


ROUTES = ("/merchant", "/merchant/cases/{c}", "/merchant/sellers/{s}/disputes")


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("role", [None, "moderator", "regulator", "merchant"])
def test_every_desk_route_by_role(app, session, desk, path, role):
    url = path.format(c=desk["complaint"].public_id, s=desk["seller"].public_id)
    if role is None:
        answer = app.test_client().get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]
        return
    account = desk["merchant"] if role == "merchant" else make_account(session, role)
    client = app.test_client()
    sign_in(client, account, code=None)
    answer = client.get(url)
    if role == "merchant":
        assert answer.status_code == 200
    else:
        assert answer.status_code in (302, 403)  # another role's page, or its factor first


def test_a_merchant_sees_only_its_own_sellers_cases(app, desk):
    client = _signed_in(app, desk["merchant"])
    home = client.get("/merchant?lang=zh").get_data(as_text=True)
    assert desk["complaint"].public_id in home and desk["theirs"].public_id not in home
    assert client.get(f"/merchant/cases/{desk['theirs'].public_id}").status_code == 404
    assert client.get(f"/merchant/sellers/{desk['other'].public_id}/disputes").status_code == 404
    assert client.get("/merchant/cases/c-nosuchcase").status_code == 404


def test_the_answer_with_a_settlement_reaches_the_consumer(app, client, session, desk):
    merchant = _signed_in(app, desk["merchant"])
    url = f"/merchant/cases/{desk['complaint'].public_id}"
    token = csrf(merchant, url)
    bad = merchant.post(
        url,
        data={"csrf_token": token, "response": "monetary_relief", "reply": "同意退款。"},
    )
    assert bad.status_code == 400  # monetary relief names its amount
    done = merchant.post(
        url,
        data={
            "csrf_token": token,
            "response": "monetary_relief",
            "settlement": "7391.37",
            "reply": "同意全额退款，已联系顾客。",
        },
    )
    assert done.status_code == 303
    page = merchant.get(url + "?lang=zh").get_data(as_text=True)
    # The offer, to its own merchant, to the fen: the consumer accepts what the page says.
    assert "同意全额退款" in page and "7,391.37" in page
    public = client.get(f"/api/v1/complaints/{desk['complaint'].public_id}").json["data"]
    assert public["merchant_response"] == "monetary_relief"
    assert not {"settlement", "settlement_amount"} & set(public) and "7391" not in str(public)
    # The consumer's own page shows the offer, and accepting the outcome accepts it.
    status = f"/complaints/{desk['complaint'].public_id}/status"
    opened = client.post(
        status, data={"csrf_token": csrf(client, status), "action": "open", "token": desk["ctoken"]}
    )
    assert opened.status_code == 303
    own = client.get(status + "?lang=zh").get_data(as_text=True)
    assert "商家提出向您支付 7,391.37" in own
    actors = session.execute(
        select(AuditEntry.actor).where(AuditEntry.action == "complaint.reply")
    ).scalars()
    assert f"user:{desk['merchant'].id}" in set(actors)


def test_a_dispute_from_the_desk_reaches_the_sources_queue(app, session, desk):
    regulator = make_token(session, "regulator", name="desk regulator")
    client = app.test_client()
    answer = client.post(
        "/api/v1/sanctions",
        json=[
            {
                "seller": desk["seller"].public_id,
                "kind": "administrative_penalty",
                "decision_number": "杭市监罚〔2026〕88号",
                "authority": "杭州市市场监督管理局",
                "decided_on": (datetime.now(UTC) - timedelta(days=20)).date().isoformat(),
                "amount": 3000,
            }
        ],
        headers={"Authorization": f"Bearer {regulator}"},
    )
    event_id = answer.json["data"][0]["event_id"]
    merchant = _signed_in(app, desk["merchant"])
    url = f"/merchant/sellers/{desk['seller'].public_id}/disputes"
    page = merchant.get(url + "?lang=zh").get_data(as_text=True)
    assert f'value="{event_id}"' in page
    # The record is named in words, never by the sanction's code name.
    assert "administrative_penalty" not in page and "sanction_" not in page
    token = csrf(merchant, url)
    filed = merchant.post(
        url,
        data={
            "csrf_token": token,
            "event_id": str(event_id),
            "kind": "credit_repair",
            "statement": "已按期缴纳罚款并完成整改，申请信用修复。",
        },
    )
    assert filed.status_code == 303
    queue = client.get("/api/v1/disputes", headers={"Authorization": f"Bearer {regulator}"})
    [dispute] = queue.json["data"]
    assert (
        dispute["kind"] == "credit_repair" and dispute["filed_by"] == f"user:{desk['merchant'].id}"
    )
    # Another seller's record cannot be named through this seller's page.
    again = merchant.post(
        url,
        data={
            "csrf_token": token,
            "event_id": "999999",
            "kind": "correction",
            "statement": "x" * 20,
        },
    )
    assert again.status_code == 400

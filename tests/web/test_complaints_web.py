from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from ..factories import make_seller, make_token


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def split_private_link(link: str) -> tuple[str, str]:
    """A private link's path and the token in its fragment (never in its query)."""
    parts = urlsplit(link)
    assert "token" not in parse_qs(parts.query)
    return parts.path, parse_qs(parts.fragment)["token"][0]


FORM = {
    "category": "contract_fulfillment",
    "order_ref": "TB2026001",
    "amount": "199.00",
    "desired_resolution": "退款",
    "complainant_name": "王小明",
    "contact": "13800138000",
}


def test_form_needs_a_valid_csrf_token(client, session):
    seller = make_seller(session)
    url = f"/sellers/{seller.public_id}/complain"
    data = {**FORM, "narrative": "付款后一直没有发货，客服不回复。"}
    assert client.post(url, data=data).status_code == 400
    assert client.post(url, data={**data, "csrf_token": "forged"}).status_code == 400


def test_file_a_complaint_through_the_form(client, session):
    seller = make_seller(session)
    url = f"/sellers/{seller.public_id}/complain"
    token = csrf(client.get(url).get_data(as_text=True))
    narrative = "付款后一直没有发货，客服电话13912345678也打不通。<script>alert(1)</script>"
    response = client.post(url, data={**FORM, "narrative": narrative, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "投诉已收到" in html
    link = re.search(r'id="private-link" href="([^"]+)"', html).group(1)
    path, token = split_private_link(link)
    assert path.startswith("/complaints/c-") and token.startswith("cpt_")


def test_form_errors_are_shown_on_the_form(client, session):
    seller = make_seller(session)
    url = f"/sellers/{seller.public_id}/complain"
    token = csrf(client.get(url).get_data(as_text=True))
    response = client.post(
        url, data={**FORM, "narrative": "短", "contact": "", "csrf_token": token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error"' in html and 'aria-invalid="true"' in html
    oversize = client.post(url, data={**FORM, "narrative": "长" * 6000, "csrf_token": token})
    assert oversize.status_code == 400


def test_complaint_for_an_unknown_seller_is_404(client):
    assert client.get("/sellers/s-nobody/complain").status_code == 404
    response = client.post(
        "/api/v1/complaints",
        json={**FORM, "seller": "s-nobody", "narrative": "一直不发货也不退款。"},
    )
    assert response.status_code == 422 and "seller" in response.json["error"]["details"]


def test_full_mediation_through_the_api(client, session):
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    merchant = make_token(session, "merchant", seller_id=seller.id)
    filed = client.post(
        "/api/v1/complaints",
        json={
            **FORM,
            "seller": seller.public_id,
            "narrative": "付款后一直没有发货。<b>加粗</b> 联系我 13912345678",
        },
    )
    assert filed.status_code == 201
    cid, consumer_token = filed.json["data"]["id"], filed.json["data"]["token"]
    assert client.get(f"/api/v1/complaints/{cid}").json["data"]["status"] == "submitted"
    assert client.post(f"/api/v1/complaints/{cid}/accept", json={}).status_code == 401
    assert (
        client.post(
            f"/api/v1/complaints/{cid}/accept",
            json={},
            headers={"Authorization": f"Bearer {merchant}"},
        ).status_code
        == 403
    )
    accepted = client.post(
        f"/api/v1/complaints/{cid}/accept",
        json={},
        headers={"Authorization": f"Bearer {moderator}"},
    )
    assert accepted.status_code == 200
    path, _reply_token = split_private_link(accepted.json["data"]["reply_url"])
    assert path == f"/complaints/{cid}/reply"
    profile = client.get(f"/sellers/{seller.public_id}").get_data(as_text=True)
    assert "&lt;b&gt;加粗&lt;/b&gt;" in profile and "13912345678" not in profile
    replied = client.post(
        f"/api/v1/complaints/{cid}/reply",
        json={"reply": "已补发，单号SF1"},
        headers={"Authorization": f"Bearer {merchant}"},
    )
    assert replied.status_code == 200 and replied.json["data"]["status"] == "merchant_replied"
    wrong = client.post(
        f"/api/v1/complaints/{cid}/confirm", json={"token": "nope", "resolved": True}
    )
    assert 400 <= wrong.status_code < 500
    done = client.post(
        f"/api/v1/complaints/{cid}/confirm", json={"token": consumer_token, "resolved": True}
    )
    assert done.json["data"]["outcome"] == "resolved"
    again = client.post(
        f"/api/v1/complaints/{cid}/confirm", json={"token": consumer_token, "resolved": False}
    )
    assert again.status_code in (401, 403, 409)


def test_merchant_replies_with_the_one_time_link(client, session):
    seller = make_seller(session)
    moderator = make_token(session, "moderator")
    cid = client.post(
        "/api/v1/complaints",
        json={**FORM, "seller": seller.public_id, "narrative": "商品与描述严重不符。"},
    ).json["data"]["id"]
    link = client.post(
        f"/api/v1/complaints/{cid}/accept",
        json={},
        headers={"Authorization": f"Bearer {moderator}"},
    ).json["data"]["reply_url"]
    path, token = split_private_link(link)
    page = client.get(path).get_data(as_text=True)
    assert token not in page  # the page's script reads it from the fragment
    form = {"reply": "<i>抱歉</i>，已退款", "csrf_token": csrf(page), "token": token}
    response = client.post(path, data=form)
    assert response.status_code == 302
    shown = client.get(f"/complaints/{cid}").get_data(as_text=True)
    assert "&lt;i&gt;抱歉&lt;/i&gt;" in shown
    reuse = client.post(path, data={**form, "reply": "再答复"})
    assert reuse.status_code == 200 and 'class="notice bad"' in reuse.get_data(as_text=True)


def test_rate_limit_is_429_with_a_message(client, session):
    sellers = [make_seller(session) for _ in range(6)]
    statuses = [
        client.post(
            "/api/v1/complaints",
            json={
                **FORM,
                "seller": s.public_id,
                "contact": f"1380013800{i}",
                "narrative": f"第{i}次投诉：付款后一直没有发货。",
            },
        ).status_code
        for i, s in enumerate(sellers)
    ]
    assert statuses[:5] == [201] * 5 and statuses[5] == 429


def test_wrong_content_type_is_415(client):
    response = client.post("/api/v1/complaints", data="x", content_type="text/plain")
    assert response.status_code == 415

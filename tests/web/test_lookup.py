from __future__ import annotations

from ..factories import make_seller


def test_get_seller_by_public_id(client, session):
    seller = make_seller(session, legal_name="查询测试有限公司")
    response = client.get(f"/api/v1/sellers/{seller.public_id}")
    assert response.status_code == 200
    data = response.json["data"]
    assert data["legal_name"] == "查询测试有限公司" and data["verified"] is True
    assert data["identities"][0]["scheme"] == "cn_uscc"


def test_lookup_by_code_full_width(client, session):
    seller = make_seller(session)
    record = client.get(f"/api/v1/sellers/{seller.public_id}").json["data"]
    code = record["identities"][0]["value"]
    wide = "".join(chr(ord(c) + 0xFEE0) for c in code)
    response = client.get("/api/v1/lookup", query_string={"code": wide})
    assert response.status_code == 200 and response.json["data"]["id"] == seller.public_id


def test_lookup_by_domain_and_store_url(client, session):
    seller = make_seller(
        session, domains=["lookup-shop.example"], stores=["https://shop5550001.taobao.com/"]
    )
    by_domain = client.get(
        "/api/v1/lookup", query_string={"domain": "https://m.lookup-shop.example/a?b"}
    )
    assert by_domain.json["data"]["id"] == seller.public_id
    by_url = client.get(
        "/api/v1/lookup", query_string={"url": "https://shop5550001.taobao.com/search.htm?x=1"}
    )
    assert by_url.json["data"]["id"] == seller.public_id


def test_unknown_is_404_with_message(client):
    response = client.get("/api/v1/sellers/s-nothing")
    assert response.status_code == 404 and "no seller" in response.json["error"]["message"]
    response = client.get("/api/v1/lookup", query_string={"code": "91110000600037341L"})
    assert response.status_code == 404


def test_lookup_invalid_code_is_422(client):
    response = client.get("/api/v1/lookup", query_string={"code": "91110000600037341A"})
    assert response.status_code == 422


def test_lookup_without_parameters_is_4xx(client):
    assert client.get("/api/v1/lookup").status_code == 422


def test_seller_page_in_chinese(client, session):
    seller = make_seller(session, legal_name="页面测试<b>有限公司</b>")
    response = client.get(f"/sellers/{seller.public_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "身份已核验" in html and "&lt;b&gt;" in html and "<b>有限公司" not in html


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_unknown_page_is_404_html(client):
    response = client.get("/nope")
    assert response.status_code == 404 and "<html" in response.get_data(as_text=True)

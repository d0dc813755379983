"""A seller nobody can identify: reports of a site through the API and the pages, what the
lookup and the search page answer, the regulators' queue, and the binding that attaches."""

from __future__ import annotations

import re

from ..factories import make_seller, make_token
from .test_complaints_web import csrf, split_private_link

NARRATIVES = [
    "付款之后网站就打不开了，客服微信也把我拉黑了，损失八百元。",
    "下单买了手机，收到的是一块砖头，商家的电话一直关机，没人处理。",
    "网站说是官方旗舰店，结果发来假货，要求退款被拒绝，请大家小心。",
]


def site_report(client, site, n=0, **overrides):
    return client.post(
        "/api/v1/complaints",
        json={
            "site": site,
            "category": "fraud",
            "narrative": NARRATIVES[n % 3] + "订单" + str(n) * 4,
            "contact": f"1390000{n:04d}",
            **overrides,
        },
        environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
    )


def test_report_a_site_through_the_api(client):
    response = site_report(client, "https://user:pw@www.fake-mall.com.cn:8443/pay?x=1")
    assert response.status_code == 201, response.json
    data = response.json["data"]
    assert data["status"] == "unidentified" and data["site"] == "fake-mall.com.cn"
    path, token = split_private_link(data["follow_url"])
    view = client.get(f"/api/v1/complaints/{data['id']}").json["data"]
    assert view["seller"] is None and view["site"] == "fake-mall.com.cn"
    assert view["narrative"] is None  # never published before a moderator accepts it
    page = client.get(path)
    assert page.status_code == 200 and "fake-mall.com.cn" in page.get_data(as_text=True)


def test_lookup_of_an_unregistered_domain_answers_the_reports(client):
    site_report(client, "shop.fake-mall.com.cn", 0)
    site_report(client, "fake-mall.com.cn", 1, category="after_sales")
    response = client.get("/api/v1/lookup", query_string={"domain": "WWW.FAKE-MALL.COM.CN"})
    assert response.status_code == 404
    error = response.json["error"]
    details = error["details"]
    assert details["registered"] is False and details["reports"] == 2
    assert details["categories"] == {"after_sales": 1, "fraud": 1}
    assert details["first_seen"].endswith("Z") and details["last_seen"] >= details["first_seen"]
    assert "No registered seller" in details["warning"] and "2 consumer reports" in error["message"]
    by_url = client.get("/api/v1/lookup", query_string={"url": "https://fake-mall.com.cn/item/1"})
    assert by_url.status_code == 404 and by_url.json["error"]["details"]["reports"] == 2
    nothing = client.get("/api/v1/lookup", query_string={"domain": "never-reported.cn"})
    assert nothing.json["error"]["details"]["reports"] == 0


def test_lookup_of_no_site_is_the_plain_answer(client):
    for text in ("127.0.0.1", "github.io", "localhost"):
        response = client.get("/api/v1/lookup", query_string={"domain": text})
        assert response.status_code in (404, 422)
        assert "reports" not in (response.json["error"].get("details") or {})


def test_hostile_sites_are_422_in_the_envelope(client):
    for n, site in enumerate(
        [
            "github.io",
            "http://localhost/",
            "http://192.168.1.1/",
            "http://[::1]:80/",
            "a" * 70 + ".com",
            "x." * 200 + "com",
            "xn--zz.cn",
            "https://shop123456.taobao.com/",
            ["list.cn"],
        ]
    ):
        response = site_report(client, site, n)
        assert response.status_code == 422, (site, response.status_code)
        assert "site" in response.json["error"]["details"]


def test_a_homograph_is_counted_apart_from_the_real_domain(client):
    assert site_report(client, "https://\u0430pple.com/", 0).status_code == 201
    real = client.get("/api/v1/lookup", query_string={"domain": "apple.com"})
    fake = client.get("/api/v1/lookup", query_string={"domain": "xn--pple-43d.com"})
    assert real.json["error"]["details"]["reports"] == 0
    assert fake.json["error"]["details"]["reports"] == 1


def test_the_regulators_queue_of_unidentified_domains(client, session):
    for n in range(3):
        site_report(client, f"s{n}.busy-scam.cn", n)
    site_report(client, "quiet-scam.cn", 5)
    url = "/api/v1/sites/unidentified"
    assert client.get(url).status_code == 401
    platform = make_token(session, "platform")
    forbidden = client.get(url, headers={"Authorization": f"Bearer {platform}"})
    assert forbidden.status_code == 403
    regulator = make_token(session, "regulator")
    response = client.get(url, headers={"Authorization": f"Bearer {regulator}"})
    assert response.status_code == 200 and response.json["meta"]["total"] == 2
    rows = response.json["data"]
    assert [(r["domain"], r["reports"]) for r in rows] == [
        ("busy-scam.cn", 3),
        ("quiet-scam.cn", 1),
    ]
    assert "contact" not in str(rows) and "1390000" not in str(rows)


def test_binding_the_domain_attaches_the_reports(client, session):
    filed = site_report(client, "www.bound-later.cn", 0).json["data"]
    seller = make_seller(session)
    regulator = make_token(session, "regulator")
    response = client.post(
        f"/api/v1/sellers/{seller.public_id}/domains",
        json={"domain": "bound-later.cn"},
        headers={"Authorization": f"Bearer {regulator}"},
    )
    assert response.status_code in (200, 201), response.json
    view = client.get(f"/api/v1/complaints/{filed['id']}").json["data"]
    assert view["seller"] == seller.public_id and view["status"] == "submitted"
    moderator = make_token(session, "moderator")
    queue = client.get(
        "/api/v1/moderation/queue", headers={"Authorization": f"Bearer {moderator}"}
    ).json["data"]
    assert [c["id"] for c in queue] == [filed["id"]]
    # the domain now answers its seller
    found = client.get("/api/v1/lookup", query_string={"domain": "bound-later.cn"})
    assert found.status_code == 200 and found.json["data"]["id"] == seller.public_id


def test_search_page_warns_of_an_unregistered_reported_domain(client):
    site_report(client, "shop.fake-mall.com.cn", 0)
    site_report(client, "fake-mall.com.cn", 1)
    html = client.get("/search", query_string={"q": "fake-mall.com.cn", "lang": "en"}).get_data(
        as_text=True
    )
    assert "No registered seller is bound to fake-mall.com.cn" in html
    assert "2 consumer reports" in html and "Report this site" in html
    zh = client.get("/search", query_string={"q": "fake-mall.com.cn", "lang": "zh"})
    zh = zh.get_data(as_text=True)
    assert "没有登记的商家" in zh
    # a new report shows at once: the page is not kept
    site_report(client, "m.fake-mall.com.cn", 2)
    again = client.get("/search", query_string={"q": "fake-mall.com.cn", "lang": "en"})
    assert "3 consumer reports" in again.get_data(as_text=True)


def test_report_a_site_through_the_form(client):
    url = "/report-site"
    page = client.get(url, query_string={"site": "https://fake-form.cn/p"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="https://fake-form.cn/p"' in html
    assert 'enctype="multipart/form-data"' in html
    data = {
        "site": "https://fake-form.cn/p",
        "category": "fraud",
        "narrative": NARRATIVES[0],
        "contact": "13912345670",
        "csrf_token": csrf(html),
    }
    assert client.post(url, data={**data, "csrf_token": "forged"}).status_code == 400
    done = client.post(url, data=data)
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "fake-form.cn" in text
    link = re.search(r'id="private-link" href="([^"]+)"', text).group(1)
    assert split_private_link(link)[1].startswith("cpt_")
    bad = client.post(url, data={**data, "site": "github.io", "contact": "13912345671"})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.get_data(as_text=True)


def test_empty_search_links_to_the_report_form(client, session, runner):
    make_seller(session)
    assert runner.invoke(args=["reindex"]).exit_code == 0
    html = client.get("/search", query_string={"q": "没有这家店铺名称"}).get_data(as_text=True)
    assert "/report-site" in html


def test_the_regulators_page_of_unidentified_domains(client, session):
    for n in range(2):
        site_report(client, f"s{n}.busy-scam.cn", n)
    site_report(client, "quiet-scam.cn", 5)
    assert client.get("/ops/sites").status_code == 401
    moderator = make_token(session, "moderator")
    assert (
        client.get("/ops/sites", headers={"Authorization": f"Bearer {moderator}"}).status_code
        == 403
    )
    regulator = make_token(session, "regulator")
    page = client.get(
        "/ops/sites", query_string={"lang": "zh"}, headers={"Authorization": f"Bearer {regulator}"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "无法确认经营者的网站" in html
    assert html.index("busy-scam.cn") < html.index("quiet-scam.cn")
    assert "1390000" not in html and page.headers["Cache-Control"] == "no-store"

"""The demo footer and mark: only while the demo set is loaded, only on its own sellers."""

from __future__ import annotations

from registry.demo import generate as demo

from ..factories import make_seller
from .helpers import settle

FOOTER = "本登记册含有生成的演示数据"


def test_a_registry_of_real_sellers_shows_no_demo_footer(client, session, app):
    seller = make_seller(session, legal_name="杭州真实登记测试有限公司")
    settle(app)
    for path in ("/", f"/sellers/{seller.public_id}", "/search?q=真实登记", "/scoring", "/x"):
        html = client.get(path).get_data(as_text=True)
        assert FOOTER not in html and "演示数据" not in html, path


def test_the_demo_and_real_sellers_beside_it(client, session, app):
    app.config["DEMO_CHECK_SECONDS"] = 0
    demo.load(session, count=12)
    session.commit()
    real = make_seller(session, legal_name="杭州演示旁真实测试有限公司")
    settle(app)
    assert FOOTER in client.get("/").get_data(as_text=True)
    shown = client.get("/search?q=杭州").get_data(as_text=True)
    assert '<span class="pill demo">演示数据</span>' in shown
    real_card = shown[shown.index("演示旁真实测试") :].split("</li>")[0]
    assert "pill demo" not in real_card
    real_page = client.get(f"/sellers/{real.public_id}").get_data(as_text=True)
    assert "该卖家是生成的演示数据" not in real_page
    [demo_id] = [
        h["id"]
        for h in client.get("/api/v1/sellers?q=有限公司&per_page=100").json["data"]
        if h["demo"]
    ][:1]
    demo_page = client.get(f"/sellers/{demo_id}").get_data(as_text=True)
    assert "该卖家是生成的演示数据" in demo_page
    english = client.get(f"/sellers/{demo_id}?lang=en").get_data(as_text=True)
    assert "This seller is generated demo data" in english
    assert '<span lang="en">None</span>' not in english

"""/api/docs: the API document as a page, in both languages, with nothing from elsewhere."""

from __future__ import annotations

import re


def test_the_page_lists_every_documented_operation(client):
    document = client.get("/api/v1/openapi.json").json
    page = client.get("/api/docs?lang=en")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path, item in document["paths"].items():
        for method, op in item.items():
            assert f'id="{op["operationId"]}"' in html
            assert f"<code>{method.upper()} {path}</code>" in html
    assert "API reference" in html
    # A record's fields with their limits, from the validating shape.
    assert "<code>decided_on</code> *" in html and "string ≤ 128" in html


def test_the_page_runs_no_script_and_loads_nothing_from_elsewhere(client):
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_page_speaks_chinese(client):
    html = client.get("/api/docs?lang=zh").get_data(as_text=True)
    assert "API 参考" in html and "约定" in html and "无需令牌。" in html


def test_the_footer_links_the_reference(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert 'href="/api/docs"' in html

"""Links in pages: remembered url_for and this page with one argument changed."""

from __future__ import annotations

from web import links


def test_links_filled_into_a_shape_match_url_for(app):
    from flask import url_for

    build = app.jinja_env.globals["url_for"]
    with app.test_request_context("/"):
        for public_id in ("s-abc123", "s-xyz789", "s-0000000000"):
            for endpoint in ("pages.seller", "complaints.complain", "badge.embed"):
                assert build(endpoint, public_id=public_id) == url_for(
                    endpoint, public_id=public_id
                )
        assert build("pages.seller", public_id="名字/x") == url_for(
            "pages.seller", public_id="名字/x"
        )


def test_url_with_sets_one_argument_last_and_keeps_the_others_as_sent(app):
    cases = {
        "/search?q=%E4%BA%91&page=3&grade=A": "/search?q=%E4%BA%91&grade=A&page=4",
        "/search?q=a+b&pa%67e=9": "/search?q=a+b&page=4",  # the argument however spelled
        "/search": "/search?page=4",
        "/search?q=%22%3E%3Cscript%3E&&": "/search?q=%22%3E%3Cscript%3E&page=4",
    }
    for url, want in cases.items():
        with app.test_request_context(url):
            assert links.url_with("page", "4") == want
    # Raw bytes a client did not encode are encoded; the rest is not touched.
    raw = b"q=\xe4\xba\x91&lang=en".decode("latin-1")  # as a WSGI server passes bytes
    with app.test_request_context("/search", environ_overrides={"QUERY_STRING": raw}):
        assert links.lang_url("zh") == "/search?q=%E4%BA%91&lang=zh"
        assert links.page_url(2) == "/search?q=%E4%BA%91&lang=en&page=2"
    with app.test_request_context("/search?q=x", base_url="http://example.test/registry"):
        assert links.url_with("lang", "en") == "/registry/search?q=x&lang=en"

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from babel import dates, numbers
from flask_babel import get_timezone

from web import templating


def test_cached_formats_match_babel_in_both_languages(app):
    rng = random.Random(7)
    with app.test_request_context("/"):
        for locale in templating._BABEL_LOCALES.values():
            for _ in range(300):
                moment = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(
                    seconds=rng.randrange(10**9), microseconds=rng.randrange(10**6)
                )
                value = rng.choice([rng.randrange(10**7), rng.random() * 1e5, 0.05, 99.95])
                assert templating._FORMATTERS["datetime"](moment, locale) == (
                    dates.format_datetime(moment, "medium", tzinfo=get_timezone(), locale=locale)
                )
                assert templating._FORMATTERS["date"](moment.date(), locale) == (
                    dates.format_date(moment.date(), "medium", locale=locale)
                )
                for kind, pattern in (("int", "#,##0"), ("num", "#,##0.#")):
                    assert templating._FORMATTERS[kind](value, locale) == (
                        numbers.format_decimal(value, format=pattern, locale=locale)
                    )


def test_constant_texts_are_translated_when_compiled_and_variables_still_escaped(app):
    with app.test_request_context("/?lang=en"):
        english = templating.render_localized("error.html", status=404, message="<b>x</b>")
    with app.test_request_context("/?lang=zh"):
        chinese = templating.render_localized("error.html", status=404, message="<b>x</b>")
    assert "Skip to content" in english and "Skip to content" not in chinese
    assert "&lt;b&gt;x&lt;/b&gt;" in english and "<b>x</b>" not in chinese


def test_links_filled_into_a_shape_match_url_for(app):
    from flask import url_for

    build = app.jinja_env.globals["url_for"]
    with app.test_request_context("/"):
        for public_id in ("s-abc123", "s-xyz789", "s-0000000000"):
            for endpoint in ("pages.seller", "pages.complain", "badge.embed"):
                assert build(endpoint, public_id=public_id) == url_for(
                    endpoint, public_id=public_id
                )
        assert build("pages.seller", public_id="名字/x") == url_for(
            "pages.seller", public_id="名字/x"
        )


def test_an_unknown_seller_has_no_profile(client):
    assert client.get("/sellers/s-nobody").status_code == 404
    assert client.get("/sellers/s-nobody?lang=en").status_code == 404


def test_url_with_sets_one_argument_last_and_keeps_the_others_as_sent(app):
    cases = {
        "/search?q=%E4%BA%91&page=3&grade=A": "/search?q=%E4%BA%91&grade=A&page=4",
        "/search?q=a+b&pa%67e=9": "/search?q=a+b&page=4",  # the argument however spelled
        "/search": "/search?page=4",
        "/search?q=%22%3E%3Cscript%3E&&": "/search?q=%22%3E%3Cscript%3E&page=4",
    }
    for url, want in cases.items():
        with app.test_request_context(url):
            assert templating.url_with("page", "4") == want
    # Raw bytes a client did not encode are encoded; the rest is not touched.
    raw = b"q=\xe4\xba\x91&lang=en".decode("latin-1")  # as a WSGI server passes bytes
    with app.test_request_context("/search", environ_overrides={"QUERY_STRING": raw}):
        assert templating.lang_url("zh") == "/search?q=%E4%BA%91&lang=zh"
        assert templating.page_url(2) == "/search?q=%E4%BA%91&lang=en&page=2"
    with app.test_request_context("/search?q=x", base_url="http://example.test/registry"):
        assert templating.url_with("lang", "en") == "/registry/search?q=x&lang=en"


def test_hit_links_are_url_for_of_each_seller(app):
    """The results list builds one seller URL and puts each id into it: as url_for would."""
    from flask import url_for

    from search.results import SearchResults, SellerHit
    from web import result_html

    ids = ["s-7k2m9q", "a b/c?d#e&f", "云帆%20", "s-'\"<>"]
    hits = tuple(SellerHit(i, 1.0, {}, {"legal_name": "x"}) for i in ids)
    results = SearchResults(hits, len(hits), 1, 20)
    with app.test_request_context("/search?q=x", base_url="http://example.test/registry"):
        html = result_html.hits(results, templating.translations(), url_for, str)
        for i in ids:
            assert f'href="{templating.escape(url_for("pages.seller", public_id=i))}"' in html

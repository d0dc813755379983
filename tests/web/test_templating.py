from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from babel import dates, numbers
from flask_babel import get_timezone

from web import formatting, templating


def test_cached_formats_match_babel_in_both_languages(app):
    rng = random.Random(7)
    with app.test_request_context("/"):
        for locale in formatting._BABEL_LOCALES.values():
            for _ in range(300):
                moment = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(
                    seconds=rng.randrange(10**9), microseconds=rng.randrange(10**6)
                )
                value = rng.choice([rng.randrange(10**7), rng.random() * 1e5, 0.05, 99.95])
                assert formatting._FORMATTERS["datetime"](moment, locale) == (
                    dates.format_datetime(moment, "medium", tzinfo=get_timezone(), locale=locale)
                )
                assert formatting._FORMATTERS["date"](moment.date(), locale) == (
                    dates.format_date(moment.date(), "medium", locale=locale)
                )
                for kind, pattern in (("int", "#,##0"), ("num", "#,##0.#")):
                    assert formatting._FORMATTERS[kind](value, locale) == (
                        numbers.format_decimal(value, format=pattern, locale=locale)
                    )


def test_constant_texts_are_translated_when_compiled_and_variables_still_escaped(app):
    with app.test_request_context("/?lang=en"):
        english = templating.render_localized("error.html", status=404, message="<b>x</b>")
    with app.test_request_context("/?lang=zh"):
        chinese = templating.render_localized("error.html", status=404, message="<b>x</b>")
    assert "Skip to content" in english and "Skip to content" not in chinese
    assert "&lt;b&gt;x&lt;/b&gt;" in english and "<b>x</b>" not in chinese


def test_an_unknown_seller_has_no_profile(client):
    assert client.get("/sellers/s-nobody").status_code == 404
    assert client.get("/sellers/s-nobody?lang=en").status_code == 404


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

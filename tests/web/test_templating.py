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

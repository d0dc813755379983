"""Numbers and dates in the visitor's language: babel's patterns parsed once per locale, and
each formatted value remembered per language (dates and counts repeat on every page)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel import Locale, dates, numbers
from flask_babel import get_timezone

from .i18n import LOCALES, current_lang

_BABEL_LOCALES = {lang: Locale.parse(name) for lang, name in LOCALES.items()}


@lru_cache(maxsize=32)
def _number_pattern(pattern: str) -> numbers.NumberPattern:
    return numbers.parse_pattern(pattern)


@lru_cache(maxsize=32)
def _date_patterns(locale: Locale) -> tuple:
    """Medium date, time and date-time patterns of ``locale``, parsed once."""
    return (
        dates.parse_pattern(dates.get_date_format("medium", locale=locale)),
        dates.parse_pattern(dates.get_time_format("medium", locale=locale)),
        dates.get_datetime_format("medium", locale=locale).replace("'", ""),
    )


def _format_number(pattern: str, value, locale: Locale) -> str:
    # What babel.numbers.format_decimal does, with the pattern parsed once.
    return _number_pattern(pattern).apply(
        value, locale, decimal_quantization=True, group_separator=True, numbering_system="latn"
    )


def _format_datetime(value: datetime, locale: Locale) -> str:
    # What babel.dates.format_datetime(value, "medium", tzinfo=...) does, patterns parsed once.
    date_pattern, time_pattern, combined = _date_patterns(locale)
    value = value.astimezone(get_timezone())
    shown = time_pattern.apply(value.timetz(), locale, reference_date=value.date())
    return combined.replace("{0}", shown).replace("{1}", date_pattern.apply(value, locale))


_FORMATTERS = {
    "int": lambda v, locale: _format_number("#,##0", v, locale),
    "num": lambda v, locale: _format_number("#,##0.#", v, locale),
    # an amount of yuan to the fen: a settlement the consumer accepts as the page shows it
    "yuan": lambda v, locale: _format_number("#,##0.00", v, locale),
    "date": lambda v, locale: _date_patterns(locale)[0].apply(v, locale),
    "datetime": _format_datetime,
}
_FORMATTED: dict[tuple, str] = {}
_FORMATTED_MAX = 50_000


def _formatted(lang: str, kind: str, value) -> str:
    """``value`` formatted for ``lang``, remembered (dates and counts repeat)."""
    key = (lang, kind, type(value), value)
    found = _FORMATTED.get(key)
    if found is None:
        if len(_FORMATTED) >= _FORMATTED_MAX:
            _FORMATTED.clear()
        found = _FORMATTED[key] = _FORMATTERS[kind](value, _BABEL_LOCALES[lang])
    return found


def format_filters(lang: str | None) -> dict[str, Callable[[Any], str]]:
    """fmtint, fmtnum, fmtyuan, fmtmoney, fmtdate and fmtdatetime for ``lang`` (None: the request's
    language)."""

    def lang_of() -> str:
        return lang or current_lang()

    def fmtdate(value) -> str:
        if isinstance(value, datetime):
            return _formatted(lang_of(), "date", value.date())
        if isinstance(value, date):
            return _formatted(lang_of(), "date", value)
        return str(value or "")

    def fmtmoney(value, currency: str | None = None) -> str:
        """An amount in its currency as the reader's language writes it (CN¥1,299.50)."""
        if value is None:
            return ""
        return numbers.format_currency(
            value, currency or "CNY", locale=_BABEL_LOCALES[lang_of()], numbering_system="latn"
        )

    return {
        "fmtmoney": fmtmoney,
        "fmtint": lambda v: _formatted(lang_of(), "int", v),
        "fmtnum": lambda v: _formatted(lang_of(), "num", v),
        "fmtyuan": lambda v: _formatted(lang_of(), "yuan", v),
        "fmtdate": fmtdate,
        "fmtdatetime": lambda v: _formatted(lang_of(), "datetime", v),
    }

"""Reading the typed fields of sanctions and fraud reports: bounded text, dates, amounts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from babel.numbers import get_currency_precision, list_currencies
from pydantic import BeforeValidator, Field

from ..core.identifiers import clean_text
from ..core.shapes import Line, ruled
from ..registration.validation import parse_date

#: the largest amount a record may state (yuan or the currency's units): beyond any real case
MAX_AMOUNT = Decimal("1e12")
#: the dates a decision may carry: anything else is a typing error (and 9999-12-31 has no end)
EARLIEST, LATEST = date(1900, 1, 1), date(2199, 12, 31)
#: ISO 4217 codes, as CLDR knows them (current and historic)
CURRENCIES = frozenset(list_currencies())


def choice(
    data: dict[str, Any], key: str, allowed: tuple[str, ...], errors: dict[str, str]
) -> str | None:
    """The field ``key`` if it is one of ``allowed`` (None if absent)."""
    value = clean_text(str(data.get(key) or "")) or None
    if value is not None and value not in allowed:
        errors[key] = f"{value[:40]!r} is not one of {', '.join(allowed)}"
    return value


def day(data: dict[str, Any], key: str, errors: dict[str, str]) -> date | None:
    """The field ``key`` as a date (YYYY-MM-DD; None if absent)."""
    raw = data.get(key)
    if raw in (None, ""):
        return None
    try:
        value = parse_date(raw)
    except ValueError as exc:
        errors[key] = str(exc)
        return None
    if not EARLIEST <= value <= LATEST:
        errors[key] = f"not between {EARLIEST} and {LATEST}"
        return None
    return value


def start_of(value: date) -> datetime:
    """The instant a dated decision takes effect: the day's start, UTC."""
    return datetime.combine(value, time.min, tzinfo=UTC)


def end_of(value: date) -> datetime:
    """The instant a decision effective *until* ``value`` (inclusive) ends."""
    return start_of(value + timedelta(days=1))


def amount(
    data: dict[str, Any], key: str, errors: dict[str, str], places: int = 2
) -> Decimal | None:
    """The field ``key`` as a non-negative decimal of at most ``places`` decimals."""
    raw = data.get(key)
    if raw in (None, ""):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        errors[key] = "not a number"
        return None
    try:
        value = Decimal(clean_text(str(raw)).replace(",", ""))
    except InvalidOperation:
        errors[key] = f"not a number: {str(raw)[:40]!r}"
        return None
    if not value.is_finite():
        errors[key] = "not a finite number"
    elif value < 0:
        errors[key] = "must not be negative"
    elif value > MAX_AMOUNT:
        errors[key] = f"larger than {MAX_AMOUNT:,.0f}"
    elif -value.as_tuple().exponent > places:  # type: ignore[operator]
        errors[key] = f"more than {places} decimals"
    else:
        return value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(1)
    return None


def currency(data: dict[str, Any], key: str, errors: dict[str, str]) -> tuple[str, int]:
    """The ISO 4217 code of ``key`` (CNY when absent) and its number of decimals."""
    code = (clean_text(str(data.get(key) or "")) or "CNY").upper()
    if code not in CURRENCIES:
        errors[key] = f"{code[:10]!r} is not an ISO 4217 currency code"
        return code, 2
    return code, get_currency_precision(code)


# The rules above as field types of a record shape (registry.core.shapes): the document
# publishes the type, limit and enumeration; validation runs the rule itself.


def _rule(apply: Any) -> BeforeValidator:
    def rule(value: Any, key: str) -> Any:
        errors: dict[str, str] = {}
        out = apply({key: value}, key, errors)
        if key in errors:
            raise ValueError(errors[key])
        return out

    return BeforeValidator(ruled(rule))


#: one clean line of at most ``limit`` characters (``text``)
Text = Line


def Choice(allowed: tuple[str, ...], *, description: str | None = None) -> Any:
    """One of ``allowed`` (``choice``)."""
    return Annotated[
        Literal[allowed] | None,  # type: ignore[valid-type]
        Field(description=description),
        _rule(lambda d, k, e: choice(d, k, allowed, e)),
    ]


def Day(*, description: str | None = None) -> Any:
    """A date, YYYY-MM-DD, from EARLIEST to LATEST (``day``)."""
    return Annotated[
        date | None,
        Field(description=f"{description or 'a date'} ({EARLIEST} to {LATEST})"),
        _rule(day),
    ]


def Amount(*, description: str | None = None, places: int = 2) -> Any:
    """A non-negative decimal of at most ``places`` decimals (``amount``)."""
    return Annotated[
        Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT)] | None,
        Field(description=description),
        _rule(lambda d, k, e: amount(d, k, e, places)),
    ]

"""Reading a request's query: the request class (no query string can turn into a server
error), and the arguments pages and the API share: query length, filters, whole numbers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler
from flask import Request as FlaskRequest
from flask import request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, create_model
from pydantic import ValidationError as ShapeError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.utils import cached_property

from registry.core.errors import ValidationFailed
from search import MAX_PER_PAGE

#: the most of a query read at all (codes, shop URLs and domains); a results page refuses a
#: longer one with a page that says so
MAX_QUERY_TEXT = 1000
#: the most of a query searched in names and narratives
MAX_QUERY = 200
# MAX_PER_PAGE (results per page, at most) is the search package's own bound.
__all__ = [
    "MAX_PAGE",
    "MAX_PER_PAGE",
    "MAX_QUERY",
    "MAX_QUERY_TEXT",
    "Page",
    "Query",
    "Request",
    "filter_args",
    "int_arg",
    "page_args",
    "paging",
    "query_args",
    "whole_number",
]

#: the last page a list may be asked for: its offset (page × per_page) stays a number every
#: database's 64-bit integers hold (a larger one failed the query: SQLite's OverflowError)
MAX_PAGE = 1_000_000_000
#: what werkzeug does with bytes that decode to no UTF-8: it percent-encodes them again
QUOTE_ERRORS = "werkzeug.url_quote"


def query_pairs(query: bytes) -> list[tuple[str, str]]:
    """The query string's (name, value) pairs, as werkzeug reads them for ``request.args``.

    Werkzeug decodes the raw query as strict UTF-8 first, so a byte that is not UTF-8 (a
    browser escapes every such byte; a crafted request need not) fails every page with a
    UnicodeDecodeError. Here such bytes stay percent-encoded, as werkzeug already keeps
    escapes that decode to no UTF-8 (``%FF``).
    """
    text = query.decode("utf-8", QUOTE_ERRORS)
    return parse_qsl(text, keep_blank_values=True, errors=QUOTE_ERRORS)


#: bytes no address may hold unescaped: C0 controls and DEL (a browser escapes them)
_CONTROL = frozenset(range(0x20)) | {0x7F}


def refuse_control_characters(app) -> None:
    """Answer 400 to a path, query or form holding a NUL character: PostgreSQL refuses NUL
    in text, so such a value would reach the database only to fail there (a 500). JSON
    bodies are read by ``registry.core.payload``, which refuses NUL itself.

    And to a query string holding an unescaped control character: werkzeug copies the raw
    query into the Location of a routing redirect (``/sellers/x/?<LF>`` to
    ``/sellers/x?<LF>``), and a header with a line break in it raised, a 500."""

    @app.before_request
    def _refuse_nul() -> None:
        if request.blueprint == "badge":
            return  # its fast path answers alike, and it reads no text from the database
        query = request.query_string
        if "\x00" in request.path or b"%00" in query or b"\x00" in query:
            raise BadRequest("a NUL character in the address")
        if not _CONTROL.isdisjoint(query):
            raise BadRequest("a control character in the address")
        if request.mimetype == "application/x-www-form-urlencoded" and any(
            "\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)
        ):
            raise BadRequest("a NUL character in the form")


class Request(FlaskRequest):
    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        return self.parameter_storage_class(query_pairs(self.query_string))


def filter_args(names: Collection[str], verified: Collection[str] | None = None) -> dict:
    """The search filters the query names: each of *names* given a value, and ``verified``
    when it has a value (one of *verified*, when given)."""
    args = request.args
    chosen: dict = {k: args[k] for k in names if k in args and args[k]}
    flag = args["verified"] if "verified" in args else None
    if flag and (verified is None or flag in verified):
        chosen["verified"] = True
    return chosen


def _whole(name: str, raw: str, low: int, high: int | None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number", {name: raw}) from None
    if value < low or (high is not None and value > high):
        bounds = f"at least {low}" + (f" and at most {high}" if high else "")
        raise ValidationFailed(f"{name} must be {bounds}", {name: raw})
    return value


def int_arg(name: str, default: int, low: int, high: int | None = None) -> int:
    """The whole number *name* of the query, from *low* to *high*; else ValidationFailed."""
    return _whole(name, request.args.get(name, str(default)), low, high)


class Query(BaseModel):
    """The arguments of one route's query string: what ``query_args`` reads and what the API
    document publishes as its parameters. Other arguments are ignored."""

    model_config = ConfigDict(extra="ignore")


Q = TypeVar("Q", bound=Query)


def whole_number(default: int, low: int, high: int | None = None, description: str = "") -> Any:
    """A whole-number argument from *low* to *high* (refused as ``int_arg`` refuses it)."""

    def read(value: Any, info: ValidationInfo) -> int:
        return _whole(info.field_name or "", str(value), low, high)

    return Annotated[
        int,
        Field(default=default, ge=low, le=high, description=description or None),
        BeforeValidator(read),
    ]


def query_args(query: type[Q]) -> Q:
    """The request's query read through *query* (its first value of each argument)."""
    args = request.args
    given = {name: args[name] for name in query.model_fields if name in args}
    try:
        return query.model_validate(given)
    except ShapeError as exc:
        details = {str(e["loc"][0]) if e["loc"] else "query": e["msg"] for e in exc.errors()}
        raise ValidationFailed("bad query: " + ", ".join(details), details) from None


@dataclass(frozen=True)
class Page:
    """Which page of a list the query asks for (``?page=`` from 1, ``?per_page=``)."""

    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@cache
def paging(default: int = 20, most: int = MAX_PER_PAGE) -> type[Query]:
    """The query of a list: ``page`` (from 1) and ``per_page`` (*default*, at most *most*)."""
    return create_model(
        f"Paging{default}of{most}",
        __base__=Query,
        page=(whole_number(1, 1, MAX_PAGE, description="the page, from 1"), 1),
        per_page=(whole_number(default, 1, most, description="items per page"), default),
    )


def page_args(default: int = 20, most: int = MAX_PER_PAGE) -> Page:
    """``page`` and ``per_page`` of the query, the same for every list the API and pages give."""
    asked: Any = query_args(paging(default, most))
    return Page(asked.page, asked.per_page)

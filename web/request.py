"""The request class: query arguments that no query string can turn into a server error."""

from __future__ import annotations

from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler
from flask import Request as FlaskRequest
from werkzeug.datastructures import MultiDict
from werkzeug.utils import cached_property

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


class Request(FlaskRequest):
    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        return self.parameter_storage_class(query_pairs(self.query_string))

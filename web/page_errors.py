"""What an error page says, in the reader's language: one message per error and case.

The registry and the search package raise errors with English messages, which the JSON API
sends as they are (with their codes). A page shows the message of the error's case instead,
translated: a Chinese page never shows an English sentence.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from registry.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    RegistryError,
    Unauthorized,
    ValidationFailed,
)

from .formatting import format_filters
from .templating import _l, gettext

#: the cases pages raise themselves (PageProblem), and those read from registry errors
CASES = {
    "bad_page": _l("The page number must be a whole number from 1."),
    "page_beyond": _l("There is no page %(page)s of these results: they have %(pages)s."),
    "bad_query": _l(
        "This cannot be searched. Type a seller’s name, a shop URL, a domain or a credit code "
        "(at least one Chinese character, letter or digit)."
    ),
    "query_too_long": _l(
        "The search is too long (%(n)s characters; at most %(limit)s). Type a seller’s name, "
        "a shop URL, a domain or a credit code."
    ),
    "no_seller": _l("No seller has the id “%(id)s”. Search for it by name, shop URL or code."),
    "no_complaint": _l("No complaint has the id “%(id)s”."),
    "duplicate_complainant": _l(
        "You already have a complaint against this seller that is open or was filed in the "
        "last 90 days. Follow that one up instead of filing again."
    ),
    "duplicate_narrative": _l(
        "A near-identical complaint against this seller was filed in the last 7 days."
    ),
    "rate_limited": _l("Too many complaints from this connection. Please try again later."),
    "codes_limited": _l("Too many codes were asked. Please try again in an hour."),
    "wrong_code": _l("This code is wrong or has expired. Ask for a new one."),
    "bad_link": _l("This link is not valid, or it has already been used."),
    "not_allowed": _l("This is not allowed."),
    "wrong_stage": _l("This cannot be done at the complaint’s current stage."),
    "invalid_form": _l("Some answers need correcting: see the fields below."),
    "bad_argument": _l("This address has a value the page cannot use (%(names)s)."),
    "csrf": _l(
        "The form has expired or did not come from this site. Reload the page and send it again."
    ),
}
#: every other error, by its status
BY_STATUS = {
    400: _l("The request could not be understood."),
    401: CASES["bad_link"],
    403: CASES["not_allowed"],
    404: _l("There is no page at this address."),
    405: _l("This address does not take that kind of request."),
    409: CASES["wrong_stage"],
    413: _l("What was sent is too large."),
    414: _l("The address is too long. Search with a shorter text."),
    415: _l("This kind of content is not accepted here."),
    422: CASES["invalid_form"],
    429: _l("Too many requests. Please try again later."),
    500: _l("Something went wrong on our side; it has been logged."),
    503: _l("This is briefly unavailable. Please try again shortly."),
}
#: what a complaint or reply form says of a field the service rejected
FIELDS = {
    "narrative": _l("Describe what happened in 10 to 5,000 characters."),
    "contact": _l("Give a phone number or an e-mail address."),
    "category": _l("Choose the kind of problem."),
    "amount": _l("The amount must be a number from 0 to 10,000,000."),
    "reply": _l("Write a reply of at most 5,000 characters."),
    "rebuttal": _l("Write your answer in at most 5,000 characters."),
    "escalation_reason": _l("Write at most 1,000 characters."),
    "site": _l(
        "Give the site’s address, such as shop.example.cn. An IP address, a name without a "
        "public domain, a public suffix such as github.io, or a marketplace shop cannot be "
        "reported here."
    ),
    "evidence": _l(
        "Attach at most 5 files, each a JPEG or PNG photo or a PDF of at most 5 MB, "
        "without scripts."
    ),
}
FIELD_DEFAULT = _l("Check this answer: it is too long or not valid.")
_SELLER_PAGES = (
    "pages.seller",
    "complaints.complain",
    *("badge.embed", "badge.verify", "badge.badge_svg", "badge.badge_js"),
)
_COMPLAINT_PAGES = ("complaints.complaint", "complaints.reply", "complaints.status")


class PageProblem(HTTPException):
    """An error a page raises with its case (CASES); ``description`` is for logs and tests."""

    def __init__(self, case: str, status: int = 400, **values: Any) -> None:
        super().__init__(description=f"{case} {values}")
        self.code = status
        self.case = case
        self.values = values


def _text(message: Any, **values: Any) -> str:
    text = gettext(message.msgid)
    if not values:
        return text
    fmtint = format_filters(None)["fmtint"]  # numbers as the reader's language writes them
    return text % {k: fmtint(v) if type(v) is int else v for k, v in values.items()}


def _quoted_id() -> str:
    return str((request.view_args or {}).get("public_id", ""))[:64]


def _case(exc: BaseException) -> tuple[str | None, dict[str, Any]]:
    if isinstance(exc, PageProblem):
        return exc.case, exc.values
    if isinstance(exc, NotFound):
        if request.endpoint in _SELLER_PAGES:
            return "no_seller", {"id": _quoted_id()}
        if request.endpoint in _COMPLAINT_PAGES:
            return "no_complaint", {"id": _quoted_id()}
        return None, {}
    if isinstance(exc, Conflict):
        reason = (exc.details or {}).get("reason") if isinstance(exc.details, dict) else None
        return (reason if reason in CASES else "wrong_stage"), {}
    if isinstance(exc, RateLimited):
        reason = (exc.details or {}).get("reason") if isinstance(exc.details, dict) else None
        return (reason if reason in CASES else "rate_limited"), {}
    if isinstance(exc, Unauthorized):
        return "bad_link", {}
    if isinstance(exc, Forbidden):
        return "not_allowed", {}
    if isinstance(exc, ValidationFailed):
        if request.method not in ("GET", "HEAD"):
            return "invalid_form", {}
        # The names of the arguments are the page's own words (lang, size...), not the input.
        names = [n for n in (exc.details or {}) if n in request.args] or list(request.args)
        return "bad_argument", {"names": ", ".join(n[:32] for n in names[:5]) or "?"}
    if isinstance(exc, CSRFError):
        return "csrf", {}
    return None, {}


def page_message(exc: BaseException) -> str:
    """The message an error page (or a form's notice) shows for ``exc``."""
    case, values = _case(exc)
    if case is not None:
        return _text(CASES[case], **values)
    if isinstance(exc, RegistryError):
        status = exc.status
    elif isinstance(exc, HTTPException):
        status = exc.code or 500
    else:
        status = 500
    found = BY_STATUS.get(status) or BY_STATUS[500 if status >= 500 else 400]
    return _text(found)


def field_message(field: str) -> str:
    """What a form says of ``field`` when the service rejected its value."""
    return _text(FIELDS.get(field, FIELD_DEFAULT))

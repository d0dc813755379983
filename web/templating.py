"""Template helpers: labels in the visitor's language, locale-aware numbers and dates.

Flask-Babel finds the request's catalogue and locale again on every string and number it
formats (several context lookups each time); a page shows hundreds. Here the catalogue is
found once per request, the babel ``Locale`` once per language, and a formatted value is
remembered per language: the same output for a fraction of the work.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale, dates, numbers
from flask import Flask, current_app, request, url_for
from flask.signals import before_render_template, template_rendered
from flask_babel import get_timezone, get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from jinja2.ext import Extension
from jinja2.lexer import TOKEN_DATA, Token
from markupsafe import Markup, escape

from .i18n import LOCALES, current_lang

_TRANSLATIONS_KEY = "registry.translations"


def translations():
    """This request's catalogue (Flask-Babel's choice, asked once per request)."""
    try:
        environ = request.environ
    except RuntimeError:  # outside a request: whatever Flask-Babel decides
        return get_translations()
    found = environ.get(_TRANSLATIONS_KEY)
    if found is None:
        found = environ[_TRANSLATIONS_KEY] = get_translations()
    return found


def gettext(msgid: str) -> str:
    return translations().ugettext(msgid)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ungettext(singular, plural, n)


def pgettext(context: str, msgid: str) -> str:
    return translations().upgettext(context, msgid)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations().unpgettext(context, singular, plural, n)


_CONSTANT_TEXTS: dict[tuple, Markup] = {}


@pass_eval_context
def template_gettext(eval_ctx, msgid: str, /, **variables) -> str:
    """``_()`` in templates: what Jinja's new-style gettext does, in one call instead of three
    nested ones (translate, mark safe when autoescaping, fill the escaped variables); a text
    without variables is finished once per catalogue."""
    catalogue = translations()
    if not eval_ctx.autoescape:
        return catalogue.ugettext(msgid) % variables
    if variables:
        return Markup(catalogue.ugettext(msgid)) % variables
    key = (catalogue, msgid)
    found = _CONSTANT_TEXTS.get(key)
    if found is None:
        if len(_CONSTANT_TEXTS) >= 10_000:
            _CONSTANT_TEXTS.clear()
        found = _CONSTANT_TEXTS[key] = Markup(catalogue.ugettext(msgid)) % {}
    return found


def remembered_url_for(app: Flask):
    """``url_for`` for templates, remembering each URL it built (the URL map is fixed once
    the app serves; a page asks for the same few URLs every time)."""
    built: dict[tuple, str] = {}

    def template_url_for(endpoint: str, **values) -> str:
        # Relative endpoints, external URLs and lists of values are built every time.
        if endpoint.startswith(".") or any(
            k.startswith("_") or isinstance(v, list | dict | set) for k, v in values.items()
        ):
            return url_for(endpoint, **values)
        key = (request.script_root, endpoint, *sorted(values.items()))
        found = built.get(key)
        if found is None:
            if len(built) >= 10_000:
                built.clear()
            found = built[key] = url_for(endpoint, **values)
        return found

    return template_url_for


class Label(LazyString):
    """A label translated when it is shown; ``msgid`` for callers that translate it themselves."""

    def __init__(self, msgid: str) -> None:
        super().__init__(gettext, msgid)
        self.msgid = msgid


def _l(msgid: str) -> Label:
    """Mark a label for translation (extracted by ``pybabel -k _l``)."""
    return Label(msgid)


class ConstantTexts(Extension):
    """Translate ``{{ _('text') }}`` (a constant, no variables) when a template is compiled.

    Only in an environment made for one catalogue (``render_localized``); the output is what
    ``_()`` returns at render time (the text, marked safe), without a call per view.
    """

    SHAPE = ("variable_begin", "name", "lparen", "string", "rparen", "variable_end")

    def filter_stream(self, stream):
        catalogue = getattr(self.environment, "catalogue", None)
        pending: list[Token] = []
        for token in stream:
            if catalogue is None or (not pending and token.type != "variable_begin"):
                yield token
                continue
            pending.append(token)
            if token.type == "variable_end":
                yield from self._fold(pending, catalogue)
                pending = []
        yield from pending

    def _fold(self, tokens: list[Token], catalogue) -> list[Token]:
        if tuple(t.type for t in tokens) != self.SHAPE or tokens[1].value not in ("_", "gettext"):
            return tokens
        try:
            text = catalogue.ugettext(tokens[3].value) % {}
        except (TypeError, ValueError, KeyError):  # not a constant after all: leave it to _()
            return tokens
        return [Token(tokens[0].lineno, TOKEN_DATA, text)]


def render_localized(template_name: str, **context) -> str:
    """``render_template`` with the templates compiled for the request's catalogue (see
    ``ConstantTexts``): one environment per catalogue, sharing the app's globals and filters."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    catalogue = translations()
    environments = app.extensions.setdefault("registry.localized_templates", {})
    env = environments.get(catalogue)
    if env is None:
        env = app.jinja_env.overlay(
            extensions=[ConstantTexts], cache_size=app.jinja_env.cache.capacity
        )
        env.catalogue = catalogue
        environments[catalogue] = env
    template = env.get_template(template_name)
    app.update_template_context(context)
    before_render_template.send(
        app, _async_wrapper=app.ensure_sync, template=template, context=context
    )
    html = template.render(context)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return html


LABELS = {
    "entity": {
        "company": _l("Company"),
        "branch": _l("Branch"),
        "individual_business": _l("Individual business"),
        "foreign": _l("Foreign"),
        "other": _l("Other"),
    },
    "status": {
        "in_business": _l("In business"),
        "revoked": _l("Licence revoked"),
        "cancelled": _l("Cancelled"),
        "moved_out": _l("Moved out"),
        "unknown": _l("Unknown"),
    },
    "event": {
        "fraud_report": _l("Fraud finding"),
        "sanction_warning": _l("Warning"),
        "sanction_minor_fine": _l("Fine"),
        "sanction_major_fine": _l("Major fine"),
        "sanction_consent_order": _l("Consent order"),
        "abnormal_operations": _l("Abnormal operations listing"),
        "serious_illegal_list": _l("Serious illegal and dishonest list"),
        "licence_revoked": _l("Licence revoked"),
        "trading_ban": _l("Trading ban"),
        "complaint": _l("Complaint"),
        "late_shipment": _l("Late shipment"),
        "seller_cancellation": _l("Seller cancellation"),
        "not_as_described_return": _l("Not as described"),
        "dispute_opened": _l("Dispute opened"),
        "dispute_lost": _l("Dispute lost"),
        "chargeback": _l("Chargeback"),
        "non_delivery": _l("Non-delivery"),
        "buyer_return": _l("Buyer return"),
        "order": _l("Order"),
    },
    "category": {
        "fraud": _l("Fraud"),
        "false_advertising": _l("False advertising"),
        "contract_fulfillment": _l("Contract or fulfillment"),
        "payment_security": _l("Payment security"),
        "privacy": _l("Privacy"),
        "after_sales": _l("After-sales and compensation"),
        "other": _l("Other"),
    },
    "fraud": {
        "low_price_trap": _l("Low-price trap"),
        "deposit_scam": _l("Deposit scam"),
        "auction_fraud": _l("Auction fraud"),
        "counterfeit": _l("Counterfeit goods"),
        "phishing_shop": _l("Phishing shop"),
        "payment_theft": _l("Payment theft"),
        "data_selling": _l("Selling personal data"),
        "other": _l("Other"),
    },
    "resolution": {
        None: _l("Pending"),
        "pending": _l("Pending"),
        "unanswered": _l("No response"),
        "unresolved": _l("Unresolved"),
        "resolved": _l("Resolved"),
        "invalid": _l("Found invalid"),
    },
    "verification": {
        "regulator": _l("verified by a regulator"),
        "platform": _l("verified by a platform"),
        "purchase": _l("purchase verified"),
        "identity": _l("identity verified"),
        "unverified": _l("unverified"),
    },
    "domain": {
        "proven": _l("control proven"),
        "regulator_verified": _l("verified by a regulator"),
        "pending": _l("proof pending"),
        "lost": _l("proof lost"),
    },
    "rate": {
        "late_shipment": _l("Late shipments"),
        "seller_cancellation": _l("Seller cancellations"),
        "disputes": _l("Disputes and chargebacks"),
    },
    "complaint_status": {
        "submitted": _l("Awaiting moderation"),
        "accepted": _l("Accepted"),
        "rejected": _l("Rejected"),
        "merchant_notified": _l("Awaiting merchant reply"),
        "merchant_replied": _l("Merchant replied"),
        "no_response": _l("No response from merchant"),
        "resolved": _l("Resolved"),
        "unresolved": _l("Unresolved"),
        "closed": _l("Closed"),
        "invalid": _l("Found invalid"),
    },
    "outcome": {
        "resolved": _l("Resolved"),
        "unresolved": _l("Not resolved"),
        "unconfirmed": _l("Consumer did not confirm"),
    },
    "platform": {
        "taobao": _l("Taobao"),
        "tmall": _l("Tmall"),
        "jd": _l("JD.com"),
        "pinduoduo": _l("Pinduoduo"),
        "weidian": _l("Weidian"),
    },
    "scheme": {"cn_uscc": _l("Unified Social Credit Code"), "eu_vat": _l("EU VAT number")},
    "seller_category": {
        "electronics": _l("Electronics"),
        "apparel": _l("Apparel"),
        "baby": _l("Baby goods"),
        "food": _l("Food"),
        "home": _l("Home"),
        "beauty": _l("Beauty"),
        "outdoor": _l("Outdoor"),
        "books": _l("Books"),
    },
    "facet": {
        "grade": _l("Grade"),
        "province": _l("Province"),
        "category": _l("Category"),
        "verified": _l("Verified"),
    },
}
GRADE_CLASSES = {"A": "a", "B": "b", "C": "c", "D": "d", "F": "f"}


def label(kind: str, value) -> str:
    found = LABELS[kind].get(value)
    return translations().ugettext(found.msgid) if found is not None else (value or "—")


def grade_class(grade: str | None) -> str:
    return GRADE_CLASSES.get((grade or "N")[0], "nr")


def lang_url(lang: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return url_for(request.endpoint or "pages.index", **(request.view_args or {}), **args)


def page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return url_for(request.endpoint or "pages.search", **args)


def highlight(hit, field: str) -> Markup:
    """The highlighted fragment of a field (markup made by the search package from escaped
    text), else the stored value, escaped."""
    marked = hit.highlights.get(field)
    if marked:
        return Markup(marked)
    value = hit.fields.get(field)
    if isinstance(value, (list, tuple)):
        value = "、".join(value)
    return escape(value or "")


def init_app(app: Flask) -> None:
    @app.context_processor
    def helpers():
        name_key = "REGISTRY_NAME" if current_lang() == "zh" else "REGISTRY_NAME_EN"
        return {
            "registry_name": current_app.config[name_key],
            "lang_url": lang_url,
            "page_url": page_url,
            "grade_class": grade_class,
            "highlight": highlight,
            "entity_label": lambda v: label("entity", v),
            "status_label": lambda v: label("status", v),
            "event_label": lambda v: label("event", v),
            "category_label": lambda v: label("category", v),
            "fraud_label": lambda v: label("fraud", v),
            "resolution_label": lambda v: label("resolution", v),
            "verification_label": lambda v: label("verification", v),
            "domain_state_label": lambda v: label("domain", v),
            "rate_label": lambda v: label("rate", v),
            "complaint_status_label": lambda v: label("complaint_status", v),
            "outcome_label": lambda v: label("outcome", v),
            "platform_label": lambda v: label("platform", v),
            "scheme_label": lambda v: label("scheme", v),
            "facet_value": facet_value,
            "seller_category_label": lambda v: label("seller_category", v),
        }

    # Replaces Flask-Babel's callables (same catalogue, found once per request).
    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )
    app.jinja_env.globals.update(
        _=template_gettext,
        gettext=template_gettext,
        url_for=remembered_url_for(app),
        # A global too, so that macros imported without the context (cached) can use it.
        grade_class=grade_class,
    )
    app.jinja_env.filters["fmtint"] = lambda v: _formatted("int", v)
    app.jinja_env.filters["fmtnum"] = lambda v: _formatted("num", v)
    app.jinja_env.filters["fmtdate"] = _fmtdate
    app.jinja_env.filters["fmtdatetime"] = lambda v: _formatted("datetime", v)


_BABEL_LOCALES = {lang: Locale.parse(name) for lang, name in LOCALES.items()}
_FORMATTERS = {
    "int": lambda v, locale: numbers.format_decimal(v, format="#,##0", locale=locale),
    "num": lambda v, locale: numbers.format_decimal(v, format="#,##0.#", locale=locale),
    "date": lambda v, locale: dates.format_date(v, "medium", locale=locale),
    "datetime": lambda v, locale: dates.format_datetime(
        v, "medium", tzinfo=get_timezone(), locale=locale
    ),
}
_FORMATTED: dict[tuple, str] = {}
_FORMATTED_MAX = 50_000


def _formatted(kind: str, value) -> str:
    """``value`` formatted for the request's language, remembered (dates and counts repeat)."""
    key = (current_lang(), kind, type(value), value)
    found = _FORMATTED.get(key)
    if found is None:
        if len(_FORMATTED) >= _FORMATTED_MAX:
            _FORMATTED.clear()
        found = _FORMATTED[key] = _FORMATTERS[kind](value, _BABEL_LOCALES[key[0]])
    return found


def _fmtdate(value) -> str:
    if isinstance(value, datetime):
        return _formatted("date", value.date())
    if isinstance(value, date):
        return _formatted("date", value)
    return str(value or "")


def facet_value(facet: str, value: str) -> str:
    if facet == "category":
        return label("seller_category", value)
    if facet == "verified":
        return str(_l("Yes")) if value == "true" else str(_l("No"))
    return value

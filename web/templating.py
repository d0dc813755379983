"""Template helpers: labels in the visitor's language, locale-aware numbers and dates.

Flask-Babel finds the request's catalogue and locale again on every string and number it
formats (several context lookups each time); a page shows hundreds. Here the catalogue is
found once per request, the babel ``Locale`` once per language, and a formatted value is
remembered per language (``formatting``): the same output for a fraction of the work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask.signals import before_render_template, template_rendered
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from jinja2.ext import Extension
from jinja2.lexer import TOKEN_DATA, Token
from markupsafe import Markup, escape

from .formatting import format_filters
from .i18n import current_lang
from .links import arg, lang_url, page_url, remembered_url_for

_TRANSLATIONS_KEY = "registry.translations"


def translations():
    """This request's catalogue: Flask-Babel's choice for the request's language, asked once
    per language and app (Flask-Babel parses the locale and looks the catalogue up again on
    every request; its catalogue of a language is one object)."""
    try:
        environ = request.environ
    except RuntimeError:  # outside a request: whatever Flask-Babel decides
        return get_translations()
    found = environ.get(_TRANSLATIONS_KEY)
    if found is None:
        catalogues = current_app.extensions.setdefault(_TRANSLATIONS_KEY, {})
        lang = current_lang()
        found = catalogues.get(lang)
        if found is None:
            found = catalogues[lang] = get_translations()
        environ[_TRANSLATIONS_KEY] = found
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


def gettext_for_templates(catalogue=None) -> Callable[..., str]:
    """``_()`` in templates, for ``catalogue`` (None: the request's): what Jinja's new-style
    gettext does, in one call instead of three nested ones (translate, mark safe when
    autoescaping, fill the escaped variables); a text without variables is finished once."""

    @pass_eval_context
    def template_gettext(eval_ctx, msgid: str, /, **variables) -> str:
        found = catalogue or translations()
        if not eval_ctx.autoescape:
            return found.ugettext(msgid) % variables
        if variables:
            return Markup(found.ugettext(msgid)) % variables
        key = (found, msgid)
        text = _CONSTANT_TEXTS.get(key)
        if text is None:
            if len(_CONSTANT_TEXTS) >= 10_000:
                _CONSTANT_TEXTS.clear()
            text = _CONSTANT_TEXTS[key] = Markup(found.ugettext(msgid)) % {}
        return text

    return template_gettext


template_gettext = gettext_for_templates()


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
    lang, catalogue = current_lang(), translations()
    environments = app.extensions.setdefault("registry.localized_templates", {})
    env = environments.get((lang, catalogue))
    if env is None:
        env = app.jinja_env.overlay(
            extensions=[ConstantTexts], cache_size=app.jinja_env.cache.capacity
        )
        env.catalogue = catalogue
        # Its own filters and _(): numbers, dates and texts for its language without asking.
        env.filters = {
            **app.jinja_env.filters,
            **format_filters(lang),
            **_labellers(catalogue),
            "grade_class": grade_class,
        }
        bound = gettext_for_templates(catalogue)
        env.globals = {**app.jinja_env.globals, "_": bound, "gettext": bound}
        environments[(lang, catalogue)] = env
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
        "unknown": _l("Not provided"),
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
        "unidentified": _l("Waiting for the seller to be identified"),
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
        "rebutted": _l("Consumer rebutted the reply"),
        "escalated": _l("With the regulator"),
    },
    "outcome": {
        "resolved": _l("Resolved"),
        "unresolved": _l("Not resolved"),
        "unconfirmed": _l("Consumer did not confirm"),
        "regulator_upheld": _l("Regulator upheld the complaint"),
        "regulator_settled": _l("Settled by the regulator"),
        "regulator_dismissed": _l("Regulator dismissed the complaint"),
    },
    "step": {
        "filed": _l("Filed"),
        "accepted": _l("Accepted by a moderator"),
        "rejected": _l("Not accepted"),
        "invalid": _l("Found invalid"),
        "no_response": _l("No answer from the merchant in time"),
        "replied": _l("Merchant replied"),
        "rebutted": _l("You rebutted the reply"),
        "rebuttal_answered": _l("Merchant answered your rebuttal"),
        "rebuttal_unanswered": _l("Merchant did not answer your rebuttal in time"),
        "confirmed": _l("You answered the outcome"),
        "unconfirmed": _l("Closed without your answer"),
        "escalated": _l("Sent to the regulator"),
        "decided": _l("Regulator decided"),
        "private_deleted": _l("Your private data was deleted"),
    },
    "deadline": {
        "moderation": _l("A moderator decides by"),
        "reply": _l("The merchant must answer by"),
        "rebuttal_answer": _l("The merchant must answer your rebuttal by"),
        "confirm": _l("Please answer by"),
    },
    "platform": {
        "taobao": _l("Taobao"),
        "tmall": _l("Tmall"),
        "jd": _l("JD.com"),
        "pinduoduo": _l("Pinduoduo"),
        "weidian": _l("Weidian"),
    },
    # registry.events.sanction_rules.ABNORMAL_REASONS: why a business was listed
    "abnormal_reason": {
        "annual_report": _l("No annual report filed in time"),
        "disclosure_overdue": _l("Information not disclosed by the date ordered"),
        "false_disclosure": _l("Disclosed information false or concealing facts"),
        "unreachable": _l("Not reachable at the registered address"),
    },
    "scheme": {"cn_uscc": _l("Unified Social Credit Code"), "eu_vat": _l("EU VAT number")},
    "merchant_response": {
        "monetary_relief": _l("Offers money (a settlement)"),
        "non_monetary_relief": _l("Offers other relief (replacement, repair, correction)"),
        "explanation": _l("Explains, offers no relief"),
        "in_progress": _l("Still working on it"),
    },
    "dispute_kind": {
        "correction": _l("Correction of the record"),
        "abnormal_removal": _l("Removal from the abnormal-operations list"),
        "credit_repair": _l("Credit repair"),
    },
    "dispute_status": {
        "open": _l("With the record's source"),
        "upheld": _l("Record upheld"),
        "withdrawn": _l("Record withdrawn"),
        "granted": _l("Granted"),
        "refused": _l("Refused"),
    },
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


def label(kind: str, value, catalogue=None) -> str:
    """The label of ``value`` in the request's language (or in ``catalogue``'s)."""
    found = LABELS[kind].get(value)
    if found is None:
        return value or "—"
    return (catalogue or translations()).ugettext(found.msgid)


def grade_class(grade: str | None) -> str:
    return GRADE_CLASSES.get((grade or "N")[0], "nr")


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
        lang = current_lang()
        name_key = "REGISTRY_NAME" if lang == "zh" else "REGISTRY_NAME_EN"
        return {
            "registry_name": current_app.config[name_key],
            "lang_url": lang_url,
            "page_url": page_url,
            "grade_class": grade_class,
            "highlight": highlight,
            "facet_value": facet_value,
            **_labellers(translations()),
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
        query_arg=arg,
    )
    app.jinja_env.filters.update(format_filters(None))


# The template helper named on the left shows labels of the kind on the right.
LABEL_HELPERS = {
    "entity_label": "entity",
    "status_label": "status",
    "event_label": "event",
    "category_label": "category",
    "fraud_label": "fraud",
    "resolution_label": "resolution",
    "verification_label": "verification",
    "domain_state_label": "domain",
    "rate_label": "rate",
    "complaint_status_label": "complaint_status",
    "outcome_label": "outcome",
    "step_label": "step",
    "deadline_label": "deadline",
    "platform_label": "platform",
    "scheme_label": "scheme",
    "abnormal_reason_label": "abnormal_reason",
    "seller_category_label": "seller_category",
    "dispute_kind_label": "dispute_kind",
    "response_label": "merchant_response",
    "dispute_status_label": "dispute_status",
}
_LABELLERS: dict[Any, dict[str, Callable[[Any], str]]] = {}


def _labellers(catalogue) -> dict[str, Callable[[Any], str]]:
    """The label helpers bound to one catalogue (made once per catalogue)."""
    found = _LABELLERS.get(catalogue)
    if found is None:

        def labeller(labels: dict) -> Callable[[Any], str]:
            def label_of(value) -> str:
                found = labels.get(value)
                return catalogue.ugettext(found.msgid) if found is not None else (value or "—")

            return label_of

        found = _LABELLERS[catalogue] = {
            name: labeller(LABELS[kind]) for name, kind in LABEL_HELPERS.items()
        }
    return found


def facet_value(facet: str, value: str) -> str:
    if facet == "category":
        return label("seller_category", value)
    if facet == "verified":
        return str(_l("Yes")) if value == "true" else str(_l("No"))
    return value

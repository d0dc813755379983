"""Pages for consumers: home, search, seller profile, the published model."""

from __future__ import annotations

import json
import time

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

import scoring
from registry.core.cache import SellerCache
from registry.read import display, profile
from registry.read.warnings import recent_warnings
from registry.registration.sellers import SellerService
from search import QueryError, shape_of

from . import result_html
from .charts import bar_rows, line_chart
from .db import cache_reader, database, get_session, public_reader
from .finder import find, rendered
from .finder import mentions as report_mentions
from .formatting import format_filters
from .i18n import current_lang
from .links import arg, page_url
from .page_errors import PageProblem
from .request import MAX_QUERY, MAX_QUERY_TEXT, filter_args
from .templating import facet_value, label, render_localized, translations

bp = Blueprint("pages", __name__)

FILTERS = ("grade", "province", "category")
GRADE_LINES = ((97.0, "A+"), (90.0, "A-"), (80.0, "B-"), (70.0, "C-"), (60.0, "D-"))


@bp.app_context_processor
def _demo_note() -> dict:
    """Whether the footer says the registry holds the generated demo set (checked once per
    DEMO_CHECK_SECONDS and worker; a registry of real sellers never says it)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = time.monotonic()
    checked = app.extensions.get("registry.demo_loaded")
    if checked is None or now - checked[0] >= app.config.get("DEMO_CHECK_SECONDS", 300):
        try:
            found = display.holds_demo(database().engine)
        except SQLAlchemyError:  # no schema yet (a fresh instance's error page)
            found = False
        checked = app.extensions["registry.demo_loaded"] = (now, found)
    return {"demo_loaded": checked[1]}


@bp.get("/")
def index():
    return render_template("index.html", warnings=recent_warnings(get_session()))


@bp.get("/search")
def search():
    raw = arg("page", "1") or "1"
    try:
        page = int(raw)
    except ValueError:
        raise PageProblem("bad_page") from None
    if page < 1:
        raise PageProblem("bad_page")
    query = arg("q", "") or ""
    if len(query) > MAX_QUERY_TEXT:
        raise PageProblem("query_too_long", n=len(query), limit=MAX_QUERY_TEXT)
    if shape_of(query[:MAX_QUERY_TEXT]).locators:
        # A site's reports change with every report filed, not with the index: never kept.
        return _render_search(page)
    return rendered(("search", request.full_path, current_lang()), lambda: _render_search(page))


def _render_search(page: int):
    session = get_session()
    filters = filter_args(FILTERS)
    try:
        finding = find(session, arg("q", ""), filters=filters, page=page)
    except QueryError:
        raise PageProblem("bad_query") from None
    results = finding.results
    if results is not None and results.total and page > results.pages:
        raise PageProblem("page_beyond", 404, page=page, pages=results.pages)
    if finding.exact is not None:
        return redirect(url_for("pages.seller", public_id=finding.exact.public_id))
    mentions, names = None, {}
    if finding.results is not None and page == 1 and not filters:
        mentions = report_mentions(finding.query[:MAX_QUERY])
        if mentions and mentions.sellers:
            names = {
                s.public_id: s.legal_name
                for s in SellerService(session).many([m.seller_id for m in mentions.sellers[:5]])
            }
    return render_localized(
        "search.html",
        finding=finding,
        results=finding.results,
        filters=filters,
        mentions=mentions,
        mention_names=names,
        **_result_parts(finding.results, filters),
    )


def _result_parts(results, filters: dict) -> dict[str, Markup]:
    """The filter choices, hits and pager of a results page (web/result_html.py)."""
    if results is None:
        return {"facets_html": Markup(""), "hits_html": Markup(""), "pager_html": Markup("")}
    formats, catalogue = format_filters(current_lang()), translations()
    fmtint = formats["fmtint"]
    boxes = []
    for facet in FILTERS:
        counts = results.facets.get(facet)
        if counts:
            common = sorted(counts.items(), key=lambda item: item[1], reverse=True)[:12]
            choices = [
                (value, facet_value(facet, value), fmtint(n), filters.get(facet) == value)
                for value, n in common
            ]
            boxes.append((facet, label("facet", facet), choices))
    link = current_app.jinja_env.globals["url_for"]  # the remembering one of templates
    return {
        "facets_html": result_html.facets(boxes),
        "hits_html": result_html.hits(results, catalogue, link, formats["fmtnum"]),
        "pager_html": result_html.pager(results, catalogue, page_url, fmtint),
    }


@bp.get("/sellers/<public_id>")
def seller(public_id: str):
    """The profile, from this worker's page cache (dropped when the seller's record changes)."""
    ext = current_app.extensions
    if "profile_pages" not in ext:
        ext["profile_pages"] = SellerCache(
            max_items=20_000, poll=current_app.config["CACHE_POLL_SECONDS"]
        )
    reader = cache_reader()
    if reader is None:  # this client wrote lately: its own write, not a cached page
        return _render_profile(public_reader().kw["bind"], public_id)[1]
    key = (request.full_path, current_lang())
    return ext["profile_pages"].get_read(
        reader, key, lambda: _render_profile(reader.kw["bind"], public_id)
    )


def _render_profile(engine, public_id: str) -> tuple[int, str]:
    lang, catalogue = current_lang(), translations()
    page = profile.read_profile(engine, public_id, lang)
    score, shown = page.score, page.shown
    history_chart = None
    # An NR seller's number is shown nowhere: not as a value, a line or a rank.
    if page.history and shown.rated:
        # Zoom to where the line is (in steps of 10), keeping the grade lines it crosses.
        low = max(0.0, min(10.0 * (min(v for _t, v in page.history) // 10) - 10, 60.0))
        history_chart = line_chart(
            page.history,
            title=label("facet", "grade", catalogue),
            low=low,
            bands=tuple(b for b in GRADE_LINES if b[0] >= low),
        )
    rates_chart = bar_rows(
        [
            (
                label("rate", r.name, catalogue),
                round(r.per_thousand, 1),
                "ok" if r.within else "bad",
                r.threshold,
            )
            for r in page.rates
            if r.per_thousand is not None
        ],
        title=label("rate", "disputes", catalogue),
    )
    complaints_chart = bar_rows(
        [
            (
                f"{label('category', cat, catalogue)} · {label('resolution', res, catalogue)}",
                n,
                "bad" if res in ("unanswered", "unresolved") else "ok",
            )
            for cat, outcomes in sorted(page.complaint_outcomes.items())
            for res, n in sorted(outcomes.items())
        ],
        title=label("event", "complaint", catalogue),
    )
    alarms = "、".join(result_html.flag_labels(shown.flags, catalogue))
    html = render_localized(
        "seller.html",
        seller=page.seller,
        score=score,
        shown=shown,
        peer=page.peer if shown.rated else None,
        history_chart=history_chart,
        orders=page.orders,
        rates=page.rates,
        rates_chart=rates_chart,
        complaints_chart=complaints_chart,
        contributors=page.contributors,
        alarms=alarms,
        complaints=page.complaints,
        platform_complaints=page.platform_complaints,
        frauds=page.frauds,
        sanctions=page.sanctions,
        decisions=page.decisions,
        disputes=page.disputes,
        lang=lang,
    )
    return page.seller.seller_id, html


@bp.get("/scoring")
def model():
    document = scoring.model_document()
    return render_template(
        "model.html", model=document, model_json=json.dumps(document, ensure_ascii=False, indent=2)
    )

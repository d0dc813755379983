"""Pages for consumers: home, search, seller profile, the published model, health."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import text

import scoring
from registry import profile
from registry.badges import ALARM_CAPS
from registry.cache import SellerCache
from registry.sellers import SellerService
from search import QueryError

from . import result_html
from .charts import bar_rows, line_chart
from .db import database, get_session
from .finder import find, rendered
from .finder import mentions as report_mentions
from .i18n import current_lang
from .links import arg, page_url
from .templating import (
    facet_value,
    format_filters,
    label,
    render_localized,
    translations,
)

bp = Blueprint("pages", __name__)

FILTERS = ("grade", "province", "category")
GRADE_LINES = ((97.0, "A+"), (90.0, "A-"), (80.0, "B-"), (70.0, "C-"), (60.0, "D-"))


@bp.get("/")
def index():
    return render_template("index.html", warnings=profile.recent_warnings(get_session()))


def _filters() -> dict:
    chosen = {k: request.args[k] for k in FILTERS if arg(k)}
    if arg("verified"):
        chosen["verified"] = True
    return chosen


@bp.get("/search")
def search():
    try:
        page = max(1, int(arg("page", "1")))
    except ValueError:
        abort(400, description="page must be a number")
    return rendered(("search", request.full_path, current_lang()), lambda: _render_search(page))


def _render_search(page: int):
    session = get_session()
    filters = _filters()
    try:
        finding = find(session, arg("q", ""), filters=filters, page=page)
    except QueryError as exc:
        abort(400, description=str(exc))
    if finding.exact is not None:
        return redirect(url_for("pages.seller", public_id=finding.exact.public_id))
    mentions, names = None, {}
    if finding.results is not None and page == 1 and not filters:
        mentions = report_mentions(finding.query[:200])
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
    key = (request.full_path, current_lang())
    db = database()
    return ext["profile_pages"].get_read(
        db.reader, key, lambda: _render_profile(db.engine, public_id)
    )


def _render_profile(engine, public_id: str) -> tuple[int, str]:
    lang, catalogue = current_lang(), translations()
    page = profile.read_profile(engine, public_id, lang)
    score = page.score
    history_chart = None
    if page.history:
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
    alarms = "、".join(
        label("event", c["reason"], catalogue)
        for c in (score.caps if score else [])
        if c["reason"] in ALARM_CAPS
    )
    html = render_localized(
        "seller.html",
        seller=page,
        score=score,
        peer=page.peer,
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
        lang=lang,
    )
    return page.seller_id, html


@bp.get("/scoring")
def model():
    document = scoring.model_document()
    return render_template(
        "model.html", model=document, model_json=json.dumps(document, ensure_ascii=False, indent=2)
    )


@bp.get("/healthz")
def healthz():
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}

"""Pages for consumers: home, search, seller profile, the published model, health."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select, text

import scoring
from registry import profile
from registry.badges import ALARM_CAPS
from registry.cache import SellerCache
from registry.models import Event
from registry.sellers import SellerService
from search import QueryError

from .charts import bar_rows, line_chart
from .db import database, get_session
from .finder import find
from .finder import mentions as report_mentions
from .i18n import current_lang
from .templating import label

bp = Blueprint("pages", __name__)

FILTERS = ("grade", "province", "category")
GRADE_LINES = ((97.0, "A+"), (90.0, "A-"), (80.0, "B-"), (70.0, "C-"), (60.0, "D-"))


@bp.get("/")
def index():
    return render_template("index.html", warnings=profile.recent_warnings(get_session()))


def _filters() -> dict:
    chosen = {k: request.args[k] for k in FILTERS if request.args.get(k)}
    if request.args.get("verified"):
        chosen["verified"] = True
    return chosen


@bp.get("/search")
def search():
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        abort(400, description="page must be a number")
    session = get_session()
    filters = _filters()
    try:
        finding = find(session, request.args.get("q", ""), filters=filters, page=page)
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
    facet_labels = [(f, label("facet", f)) for f in ("grade", "province", "category")]
    return render_template(
        "search.html",
        finding=finding,
        results=finding.results,
        filters=filters,
        facet_labels=facet_labels,
        mentions=mentions,
        mention_names=names,
    )


@bp.get("/sellers/<public_id>")
def seller(public_id: str):
    """The profile, from this worker's page cache (dropped when the seller's record changes)."""
    ext = current_app.extensions
    if "profile_pages" not in ext:
        ext["profile_pages"] = SellerCache(
            max_items=20_000, poll=current_app.config["CACHE_POLL_SECONDS"]
        )
    key = (request.full_path, current_lang())
    return ext["profile_pages"].get(
        database().reader, key, lambda session: _render_profile(session, public_id)
    )


def _render_profile(session, public_id: str) -> tuple[int, str]:
    service = SellerService(session)
    row = service.get(public_id)
    record = service.public(row)
    score = record.score
    lang = current_lang()
    history = profile.score_history(session, row.id)
    history_chart = None
    if history:
        # Zoom to where the line is (in steps of 10), keeping the grade lines it crosses.
        low = max(0.0, min(10.0 * (min(p.value for p in history) // 10) - 10, 60.0))
        history_chart = line_chart(
            [(p.computed_at, p.value) for p in history],
            title=str(label("facet", "grade")),
            low=low,
            bands=tuple(b for b in GRADE_LINES if b[0] >= low),
        )
    orders, rates = profile.fulfillment_rates(session, row.id)
    rates_chart = bar_rows(
        [
            (
                label("rate", r.name),
                round(r.per_thousand, 1),
                "ok" if r.within else "bad",
                r.threshold,
            )
            for r in rates
            if r.per_thousand is not None
        ],
        title=label("rate", "disputes"),
    )
    breakdown = profile.complaint_breakdown(session, row.id)
    complaints_chart = bar_rows(
        [
            (
                f"{label('category', cat)} · {label('resolution', res)}",
                n,
                "bad" if res in ("unanswered", "unresolved") else "ok",
            )
            for cat, outcomes in sorted(breakdown.items())
            for res, n in sorted(outcomes.items())
        ],
        title=label("event", "complaint"),
    )
    contributors = _contributors(session, score.explanation.get("top") or [] if score else [])
    alarms = "、".join(
        label("event", c["reason"])
        for c in (score.caps if score else [])
        if c["reason"] in ALARM_CAPS
    )
    html = render_template(
        "seller.html",
        seller=record,
        score=score,
        peer=profile.peer_percentile(session, row),
        history_chart=history_chart,
        orders=orders,
        rates=rates,
        rates_chart=rates_chart,
        complaints_chart=complaints_chart,
        contributors=contributors,
        alarms=alarms,
        complaints=_public_complaints(session, row.id),
        platform_complaints=[
            e for e in profile.events_of(session, row.id, ("complaint",)) if e.complaint_id is None
        ],
        frauds=profile.events_of(session, row.id, ("fraud_report",)),
        sanctions=profile.events_of(session, row.id, tuple(sorted(scoring.SANCTION_KINDS))),
        lang=lang,
    )
    return row.id, html


def _contributors(session, top: list[dict]) -> list[dict]:
    """The events that cost the most points, with their dates."""
    ids = [int(c["event_id"]) for c in top if str(c.get("event_id") or "").isdigit()]
    dates = (
        dict(session.execute(select(Event.id, Event.occurred_at).where(Event.id.in_(ids))).all())
        if ids
        else {}
    )
    return [
        {
            "kind": c["kind"],
            "points": c["points"],
            "at": dates.get(int(c["event_id"])) if str(c.get("event_id") or "").isdigit() else None,
        }
        for c in top
        if c.get("points", 0) > 0.05
    ]


def _public_complaints(session, seller_id: int) -> list[dict]:
    from registry.complaints import ComplaintService

    return ComplaintService(session).for_seller(seller_id, public=True)


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

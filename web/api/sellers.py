"""Anyone reads sellers: by id, code, domain or shop URL; search, suggestions, history."""

from __future__ import annotations

from flask import request

import scoring
from registry.complaints.sites import SiteReports
from registry.core.errors import NotFound, ValidationFailed
from registry.core.types import utcnow
from registry.read import display
from registry.read.public import read_record
from registry.registration.sellers import SellerService
from registry.scores.service import ScoreService
from search import IndexMissingError, QueryError

from ..db import get_session
from ..envelope import error, ok, paged
from ..finder import find
from ..indexing import narrative_searcher, seller_searcher
from ..request import Page, filter_args, int_arg, page_args
from . import bp
from .sites import WARNING, site_json

#: what the API filters search results by (``verified`` too: 1, true or yes)
API_FILTERS = ("grade", "province", "city", "category")


@bp.get("/sellers/<public_id>")
def get_seller(public_id: str):
    return ok(read_record(get_session(), public_id=public_id))


@bp.get("/lookup")
def lookup():
    service = SellerService(get_session())
    if request.args.get("code"):
        seller = service.by_code(request.args["code"], request.args.get("scheme", "cn_uscc"))
    elif request.args.get("domain"):
        try:
            seller = service.by_domain(request.args["domain"])
        except NotFound as exc:
            raise _unregistered(exc, request.args["domain"]) from None
    elif request.args.get("url"):
        try:
            seller = service.by_store_url(request.args["url"])
        except NotFound as exc:
            raise _unregistered(exc, request.args["url"]) from None
    else:
        raise ValidationFailed(
            "give one of code, domain or url", {"code": "e.g. ?code=91110000600037341L"}
        )
    return ok(read_record(service.session, seller_id=seller.id))


def _unregistered(exc: NotFound, text: str) -> NotFound:
    """404 for a site no registered seller is bound to, with what consumers reported of it."""
    try:
        summary = SiteReports(get_session(), utcnow()).summary(text)
    except ValidationFailed:
        return exc  # no site there (an IP address, a public suffix...): nothing to count
    return NotFound(
        f"{exc.message}; {summary.reports} consumer reports of {summary.domain}",
        {**site_json(summary), "warning": WARNING},
    )


@bp.get("/sellers")
def search_sellers():
    """Search: ?q= plus filters verified, grade, province, city, category; page, per_page."""
    asked = page_args()
    page, per_page = asked.number, asked.size
    filters = filter_args(API_FILTERS, verified=("1", "true", "yes"))
    try:
        finding = find(
            get_session(), request.args.get("q", ""), filters=filters, page=page, per_page=per_page
        )
    except QueryError as exc:
        return error(400, "bad_query", str(exc))
    if finding.note == "index_missing":
        return error(
            503,
            "index_unavailable",
            "name search is being rebuilt; codes, domains and shop URLs still work",
        )
    if finding.exact is not None:
        exact = finding.exact
        found = [{"id": exact.public_id, "legal_name": exact.legal_name, "match": finding.route}]
        return paged(found, Page(1, per_page), 1, route=finding.route)
    if finding.results is None:
        return paged([], asked, 0, route=finding.route, note=finding.note)
    results = finding.results
    return paged(
        [_hit(h.seller_id, h.fields, h.highlights) for h in results.hits],
        Page(results.page, results.per_page),
        results.total,
        exact_total=results.exact_total,
        facets=results.facets,
        route=finding.route,
        timed_out=results.timed_out,
    )


def _hit(seller_id: str, fields, highlights) -> dict:
    """A search result as the results page shows it (registry.read.display): NR has no score."""
    shown = display.from_document(fields)
    return {
        "id": seller_id,
        "legal_name": fields.get("legal_name"),
        "grade": shown.grade,
        "verified": shown.verified,
        "province": fields.get("province"),
        "city": fields.get("city"),
        "score": shown.score,
        "risk_flags": list(shown.flags),
        "demo": shown.demo,
        "store_names": fields.get("store_names") or [],
        "highlights": dict(highlights),
    }


@bp.get("/suggest")
def suggest():
    text = request.args.get("q", "")
    limit = int_arg("limit", 10, 1, 25)
    try:
        found = seller_searcher().suggest(text, limit=limit)
    except QueryError as exc:
        return error(400, "bad_query", str(exc))
    except IndexMissingError:
        return ok([])
    return ok([{"text": s.text, "id": s.seller_id} for s in found])


@bp.get("/reports")
def search_reports():
    """Which sellers public complaint and fraud narratives name: ?q=定金 or ?q=deposit."""
    kind = request.args.get("kind") or None
    if kind not in (None, "complaint", "fraud_report"):
        raise ValidationFailed("kind must be complaint or fraud_report", {"kind": kind})
    try:
        found = narrative_searcher().search(
            request.args.get("q", ""), kind=kind, limit=int_arg("limit", 20, 1, 100)
        )
    except QueryError as exc:
        return error(400, "bad_query", str(exc))
    except IndexMissingError:
        return error(503, "index_unavailable", "report search is being rebuilt")
    return ok(
        [
            {"seller_id": m.seller_id, "reports": m.count, "snippets": list(m.snippets)}
            for m in found.sellers
        ],
        total=found.total,
    )


@bp.get("/sellers/<public_id>/score-history")
def score_history(public_id: str):
    session = get_session()
    seller = SellerService(session).get(public_id)
    points = ScoreService(session).history(seller.id)
    page = page_args(default=100, most=1000)
    shown = points[page.offset : page.offset + page.size]
    return paged(
        [
            {
                "computed_at": p.computed_at,
                "value": p.value,
                "grade": p.grade,
                "display_grade": p.display_grade,
                "version": p.version,
            }
            for p in shown
        ],
        page,
        len(points),
        seller=public_id,
    )


@bp.get("/scoring/model")
def scoring_model():
    return ok(scoring.model_document())

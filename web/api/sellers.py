"""Anyone reads sellers: by id, code, domain or shop URL; search, suggestions, history."""

from __future__ import annotations

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
from ..request import Page, page_args, paging, query_args
from . import bp
from .contract import answer, operation
from .queries import REPORT_KINDS, VERIFIED, Lookup, ReportSearch, SellerSearch, Suggest
from .responses import ReportMatch, ScorePoint, SearchHit, SellerRecord, Suggestion
from .sites import WARNING, site_json

#: what the API filters search results by (``verified`` too: 1, true or yes)
API_FILTERS = ("grade", "province", "city", "category")


@bp.get("/sellers/<public_id>")
@operation("A seller's public record", answers=[answer(200, SellerRecord), answer(404)])
def get_seller(public_id: str):
    return ok(read_record(get_session(), public_id=public_id))


@bp.get("/lookup")
@operation(
    "A seller by credit code, domain or shop URL",
    query=Lookup,
    answers=[answer(200, SellerRecord), answer(404), answer(422)],
)
def lookup():
    asked = query_args(Lookup)
    service = SellerService(get_session())
    if asked.code:
        seller = service.by_code(asked.code, asked.scheme)
    elif asked.domain:
        try:
            seller = service.by_domain(asked.domain)
        except NotFound as exc:
            raise _unregistered(exc, asked.domain) from None
    elif asked.url:
        try:
            seller = service.by_store_url(asked.url)
        except NotFound as exc:
            raise _unregistered(exc, asked.url) from None
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
@operation(
    "Search sellers",
    query=SellerSearch,
    answers=[
        answer(
            200,
            SearchHit,
            many=True,
            paged=True,
            meta={"route": {"type": "string"}, "facets": {"type": "object"}},
        ),
        answer(400, description="A query the search cannot read"),
        answer(503, description="The name index is being rebuilt"),
    ],
)
def search_sellers():
    """Search: ?q= plus filters verified, grade, province, city, category; page, per_page."""
    query = query_args(SellerSearch)
    asked = Page(query.page, query.per_page)
    page, per_page = asked.number, asked.size
    filters: dict = {k: getattr(query, k) for k in API_FILTERS if getattr(query, k)}
    if query.verified in VERIFIED:
        filters["verified"] = True
    try:
        finding = find(get_session(), query.q, filters=filters, page=page, per_page=per_page)
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
@operation("Names completing a prefix", query=Suggest, answers=[answer(200, Suggestion, many=True)])
def suggest():
    asked = query_args(Suggest)
    try:
        found = seller_searcher().suggest(asked.q, limit=asked.limit)
    except QueryError as exc:
        return error(400, "bad_query", str(exc))
    except IndexMissingError:
        return ok([])
    return ok([{"text": s.text, "id": s.seller_id} for s in found])


@bp.get("/reports")
@operation(
    "Which sellers public complaint and fraud narratives name",
    query=ReportSearch,
    answers=[
        answer(200, ReportMatch, many=True, meta={"total": {"type": "integer"}}),
        answer(503, description="The report index is being rebuilt"),
    ],
)
def search_reports():
    """Which sellers public complaint and fraud narratives name: ?q=定金 or ?q=deposit."""
    asked = query_args(ReportSearch)
    kind = asked.kind or None
    if kind is not None and kind not in REPORT_KINDS:
        raise ValidationFailed("kind must be complaint or fraud_report", {"kind": kind})
    try:
        found = narrative_searcher().search(asked.q, kind=kind, limit=asked.limit)
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
@operation(
    "A seller's scores over time",
    query=paging(100, 1000),
    answers=[
        answer(200, ScorePoint, many=True, paged=True, meta={"seller": {"type": "string"}}),
        answer(404),
    ],
)
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
@operation(
    "The published scoring model: weights, half-lives, thresholds, caps, grades",
    answers=[answer(200, {"type": "object", "required": ["version"]})],
)
def scoring_model():
    return ok(scoring.model_document())

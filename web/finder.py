"""Route what a consumer typed: a credit code or a URL/domain goes to the database's own
indexes first; everything else to full text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from registry.complaints.sites import SiteReports, SiteSummary
from registry.core.errors import NotFound, ValidationFailed
from registry.core.identifiers import clean_text, is_valid_uscc, looks_like_uscc
from registry.core.types import utcnow
from registry.core.urls import normalize_store_url
from registry.registration.models import Seller
from registry.registration.sellers import SellerService
from search import (
    Filters,
    IndexMissingError,
    NarrativeResults,
    QueryError,
    Recent,
    SearchResults,
    shape_of,
)

from .indexing import narrative_searcher, seller_searcher
from .request import MAX_QUERY, MAX_QUERY_TEXT

FACETS = ("grade", "verified", "province", "category")


@dataclass
class Finding:
    """What a search found: one exact seller, or a page of full-text results, or a note."""

    query: str
    route: str  # code | url | domain | text | empty
    exact: Seller | None = None
    results: SearchResults | None = None
    note: str | None = None
    notes: list[str] = field(default_factory=list)
    #: a site no registered seller is bound to, with what consumers reported of it
    site: SiteSummary | None = None


def find(
    session, text: str, *, filters: dict | None = None, page: int = 1, per_page: int = 20
) -> Finding:
    """Find sellers for ``text``; raises QueryError for input that cannot be searched."""
    query = clean_text(text)[:MAX_QUERY_TEXT]
    if not query:
        return Finding(query, "empty")
    sellers = SellerService(session)
    # A credit code may be typed in groups ("9131 0000 ..."): its shape is the compact text's.
    compact = query.replace(" ", "").replace("-", "")
    if shape_of(compact).code and looks_like_uscc(compact):
        if not is_valid_uscc(compact):
            return Finding(query, "code", note="invalid_code")
        try:
            return Finding(query, "code", exact=sellers.by_code(compact))
        except NotFound:
            return Finding(query, "code", note="unknown_code")
    site = None
    if shape_of(query).locators:
        route = "url" if normalize_store_url(query) else "domain"
        try:
            seller = sellers.by_store_url(query) if route == "url" else sellers.by_domain(query)
            return Finding(query, route, exact=seller)
        except (NotFound, ValidationFailed):
            # Not registered: still search the words of the host in names (a shop's brand),
            # and say what consumers reported of the site.
            site = unidentified_site(session, query)
    try:
        results = _search(query[:MAX_QUERY], Filters.of(filters or {}), page, per_page)
    except IndexMissingError:
        return Finding(query, "text", note="index_missing", site=site)
    return Finding(query, "text", results=results, site=site)


def unidentified_site(session, text: str) -> SiteSummary | None:
    """The reports of the site *text* names, or None when it names no reportable site."""
    try:
        return SiteReports(session, utcnow()).summary(text)
    except ValidationFailed:
        return None


class _PerIndexVersion:
    """Values remembered per version of the searcher that computes them (its generation
    folder and Whoosh commit: ``version()``), least recently used first out: people look
    for the same shops, and a new index or any applied change gives fresh values.

    The version is the searcher's own, not a file beside the index: a value is kept under
    the documents it was computed from, so no later commit (or one the searcher has not
    seen yet) can be answered with it.

    With *second_ask*, a value is remembered only when its key is asked for again (a
    "doorkeeper", as in TinyLFU): most searches are typed once, and remembering each would
    push the popular ones out, and keep a hundred objects per request alive for the garbage
    collector to walk again and again (with every result kept, collections took 0.2-0.5 ms
    of a 2-2.5 ms search page at 100,000 sellers).
    """

    def __init__(self, limit: int, second_ask: bool = False) -> None:
        self.items = Recent(limit)
        self.second_ask = second_ask
        # hashes of keys asked for once; forgotten all at once when it fills up
        self.asked: set[int] = set()
        self.asked_limit = 8 * limit

    def get(
        self, searcher: Any, key: tuple, compute: Callable[[], Any], keep: type = object
    ) -> Any:
        """The value of *key* at *searcher*'s version; computed values of type *keep* only
        are remembered."""
        try:
            version = searcher.version()
        except IndexMissingError:
            return compute()  # no index to key a value on: compute() says so, or copes
        full_key = (*key, *version)
        found = self.items.get(full_key)
        if found is None:
            found = compute()
            if isinstance(found, keep) and self._admit(full_key):
                self.items.put(full_key, found)
        return found

    def _admit(self, key: tuple) -> bool:
        if not self.second_ask:
            return True
        digest = hash(key)
        if digest in self.asked:
            return True
        if len(self.asked) >= self.asked_limit:
            self.asked.clear()
        self.asked.add(digest)
        return False


_RESULTS = _PerIndexVersion(4096, second_ask=True)
_PAGES = _PerIndexVersion(1000)


def rendered(key: tuple, render: Callable[[], Any]) -> Any:
    """A rendered results page, remembered like the results it shows (rendering costs more
    than finding a remembered result). Only text is kept: a redirect or an error is made
    afresh each time. The seller index's version stands for the report index's too: each
    batch of changes is applied to the report index first, then always to the seller index."""
    return _PAGES.get(seller_searcher(), key, render, keep=str)


def _search(text: str, filters: Filters, page: int, per_page: int) -> SearchResults:
    """Full text with facets (counting facets over thousands of matches is the costly part)."""
    searcher = seller_searcher()
    return _RESULTS.get(
        searcher,
        ("sellers", text, filters, page, per_page),
        lambda: searcher.search(text, filters=filters, page=page, per_page=per_page, facets=FACETS),
    )


def mentions(text: str, limit: int = 5) -> NarrativeResults | None:
    """Sellers that public complaint and fraud narratives matching ``text`` name."""
    try:
        searcher = narrative_searcher()
        return _RESULTS.get(
            searcher, ("reports", text, limit), lambda: searcher.search(text, limit=limit)
        )
    except (QueryError, IndexMissingError):
        return None


__all__ = ["Finding", "QueryError", "find", "mentions", "rendered"]

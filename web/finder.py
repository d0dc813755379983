"""Route what a consumer typed: a credit code or a URL/domain goes to the database's own
indexes first; everything else to full text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from registry.errors import NotFound, ValidationFailed
from registry.identifiers import clean_text, is_valid_uscc, looks_like_uscc
from registry.models import Seller
from registry.sellers import SellerService
from registry.urls import looks_like_url_or_domain, normalize_store_url
from search import Filters, IndexMissingError, NarrativeResults, QueryError, SearchResults
from search.reading import Recent

from .indexing import narrative_searcher, seller_searcher

FACETS = ("grade", "verified", "province", "category")
MAX_QUERY = 200
#: the most of a query read at all (codes, shop URLs and domains; names use MAX_QUERY)
MAX_QUERY_TEXT = 1000


@dataclass
class Finding:
    """What a search found: one exact seller, or a page of full-text results, or a note."""

    query: str
    route: str  # code | url | domain | text | empty
    exact: Seller | None = None
    results: SearchResults | None = None
    note: str | None = None
    notes: list[str] = field(default_factory=list)


def find(
    session, text: str, *, filters: dict | None = None, page: int = 1, per_page: int = 20
) -> Finding:
    """Find sellers for ``text``; raises QueryError for input that cannot be searched."""
    query = clean_text(text)[:MAX_QUERY_TEXT]
    if not query:
        return Finding(query, "empty")
    sellers = SellerService(session)
    compact = query.replace(" ", "").replace("-", "")
    if looks_like_uscc(compact):
        if not is_valid_uscc(compact):
            return Finding(query, "code", note="invalid_code")
        try:
            return Finding(query, "code", exact=sellers.by_code(compact))
        except NotFound:
            return Finding(query, "code", note="unknown_code")
    if looks_like_url_or_domain(query):
        route = "url" if normalize_store_url(query) else "domain"
        try:
            seller = sellers.by_store_url(query) if route == "url" else sellers.by_domain(query)
            return Finding(query, route, exact=seller)
        except (NotFound, ValidationFailed):
            # Not registered: still search the words of the host in names (a shop's brand).
            pass
    try:
        results = _search(query[:MAX_QUERY], Filters.of(filters or {}), page, per_page)
    except IndexMissingError:
        return Finding(query, "text", note="index_missing")
    return Finding(query, "text", results=results)


class _PerIndexVersion:
    """Values remembered per index version (generation and applied change-log sequence),
    least recently used first out: people look for the same shops, and a new index or any
    applied change gives fresh values.

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

    def get(self, store: Any, key: tuple, compute: Callable[[], Any], keep: type = object) -> Any:
        """The value of *key* at the index's version; computed values of type *keep* only
        are remembered."""
        full_key = (*key, *store.live_version())
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
    afresh each time."""
    return _PAGES.get(seller_searcher().store, key, render, keep=str)


def _search(text: str, filters: Filters, page: int, per_page: int) -> SearchResults:
    """Full text with facets (counting facets over thousands of matches is the costly part)."""
    searcher = seller_searcher()
    return _RESULTS.get(
        searcher.store,
        ("sellers", text, filters, page, per_page),
        lambda: searcher.search(text, filters=filters, page=page, per_page=per_page, facets=FACETS),
    )


def mentions(text: str, limit: int = 5) -> NarrativeResults | None:
    """Sellers that public complaint and fraud narratives matching ``text`` name."""
    try:
        searcher = narrative_searcher()
        return _RESULTS.get(
            searcher.store, ("reports", text, limit), lambda: searcher.search(text, limit=limit)
        )
    except (QueryError, IndexMissingError):
        return None


__all__ = ["Finding", "QueryError", "find", "mentions", "rendered"]

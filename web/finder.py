"""Route what a consumer typed: a credit code or a URL/domain goes to the database's own
indexes first; everything else to full text."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from registry.errors import NotFound, ValidationFailed
from registry.identifiers import clean_text, is_valid_uscc, looks_like_uscc
from registry.models import Seller
from registry.sellers import SellerService
from registry.urls import looks_like_url_or_domain, normalize_store_url
from search import Filters, IndexMissingError, NarrativeResults, QueryError, SearchResults

from .indexing import narrative_searcher, seller_searcher

FACETS = ("grade", "verified", "province", "category")
MAX_QUERY = 200


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
    query = clean_text(text)[:1000]
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


_REMEMBERED: OrderedDict[tuple, Any] = OrderedDict()
REMEMBERED = 4096


def _remember(store: Any, key: tuple, compute: Callable[[], Any]) -> Any:
    """Results remembered per index version (generation and applied change-log sequence):
    people look for the same shops, and a new index or any applied change gives fresh ones."""
    full_key = (*key, *_version(store))
    found = _REMEMBERED.get(full_key)
    if found is None:
        found = _REMEMBERED[full_key] = compute()
        if len(_REMEMBERED) > REMEMBERED:
            _REMEMBERED.popitem(last=False)
    return found


_PAGES: OrderedDict[tuple, str] = OrderedDict()
PAGES = 1000


def rendered(key: tuple, render: Callable[[], Any]) -> Any:
    """A rendered results page, remembered per index version like the results it shows
    (rendering costs more than finding a remembered result). Only text is remembered: a
    redirect or an error is made afresh each time."""
    full_key = (*key, *_version(seller_searcher().store))
    page = _PAGES.get(full_key)
    if page is not None:
        _PAGES.move_to_end(full_key)
        return page
    page = render()
    if isinstance(page, str):
        _PAGES[full_key] = page
        if len(_PAGES) > PAGES:
            _PAGES.popitem(last=False)
    return page


def _version(store: Any) -> tuple:
    return str(store.current_dir()), store.read_sequence()


def _search(text: str, filters: Filters, page: int, per_page: int) -> SearchResults:
    """Full text with facets (counting facets over thousands of matches is the costly part)."""
    searcher = seller_searcher()
    return _remember(
        searcher.store,
        ("sellers", text, filters, page, per_page),
        lambda: searcher.search(text, filters=filters, page=page, per_page=per_page, facets=FACETS),
    )


def mentions(text: str, limit: int = 5) -> NarrativeResults | None:
    """Sellers that public complaint and fraud narratives matching ``text`` name."""
    try:
        searcher = narrative_searcher()
        return _remember(
            searcher.store, ("reports", text, limit), lambda: searcher.search(text, limit=limit)
        )
    except (QueryError, IndexMissingError):
        return None


__all__ = ["Finding", "QueryError", "find", "mentions", "rendered"]

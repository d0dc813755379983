"""Full-text search of sellers and of complaint narratives (Whoosh).

Documents in (plain dicts), seller ids with highlights, facets and a total out, so that
another backend (PostgreSQL) can replace this one behind the same names.

Write side (one process): :class:`SellerIndex`, :class:`NarrativeIndex`, :func:`rebuild`.
Read side (every web worker): :class:`SellerSearcher`, :class:`NarrativeSearcher`.
"""

from __future__ import annotations

from search.errors import IndexBusyError, IndexMissingError, QueryError, SearchError
from search.narratives import NarrativeSearcher
from search.results import (
    Filters,
    NarrativeResults,
    SearchResults,
    SellerHit,
    SellerMentions,
    Suggestion,
)
from search.sellers import MAX_PER_PAGE, SellerSearcher
from search.writing import ApplyStats, NarrativeIndex, SellerIndex, exists, rebuild

__all__ = [
    "MAX_PER_PAGE",
    "ApplyStats",
    "Filters",
    "IndexBusyError",
    "IndexMissingError",
    "NarrativeIndex",
    "NarrativeResults",
    "NarrativeSearcher",
    "QueryError",
    "SearchError",
    "SearchResults",
    "SellerHit",
    "SellerIndex",
    "SellerMentions",
    "SellerSearcher",
    "Suggestion",
    "exists",
    "rebuild",
]

"""Full-text search of sellers and of complaint narratives (Whoosh; sellers also on PostgreSQL).

Documents in (plain dicts), seller ids with highlights, facets and a total out, so that
another backend (PostgreSQL) can replace this one behind the same names.

Write side (one process): :class:`SellerIndex`, :class:`NarrativeIndex`, :func:`rebuild`.
Read side (every web worker): :class:`SellerSearcher`, :class:`NarrativeSearcher`.
On PostgreSQL (SEARCH_BACKEND=postgres): :class:`PostgresSellerIndex`,
:class:`PostgresSellerSearcher`, and :func:`postgres_write` (rows written in the caller's
transaction). For check-index: :mod:`census` (copies of each id, as a search sees them).
For caches of answers keyed on ``searcher.version()``: :class:`Recent`.

These names are the package's public door: code outside ``search/`` imports nothing else
of it (tests/test_architecture.py). Everything that touches Whoosh is in
:mod:`search.engine` (see search/engine/WHOOSH.md).
"""

from __future__ import annotations

from search.engine import census
from search.engine.narratives import NarrativeSearcher
from search.engine.writing import ApplyStats, NarrativeIndex, SellerIndex, exists, rebuild
from search.errors import (
    IndexBusyError,
    IndexMissingError,
    QueryError,
    SearchError,
    SearchUnavailableError,
)
from search.postgres import PostgresSellerIndex, PostgresSellerSearcher
from search.postgres import write as postgres_write
from search.query import Shape, shape_of
from search.recent import Recent
from search.results import (
    Filters,
    NarrativeResults,
    SearchResults,
    SellerHit,
    SellerMentions,
    Suggestion,
)
from search.sellers import MAX_PER_PAGE, SellerSearcher

__all__ = [
    "MAX_PER_PAGE",
    "ApplyStats",
    "Filters",
    "IndexBusyError",
    "IndexMissingError",
    "NarrativeIndex",
    "NarrativeResults",
    "NarrativeSearcher",
    "PostgresSellerIndex",
    "PostgresSellerSearcher",
    "QueryError",
    "Recent",
    "SearchError",
    "SearchResults",
    "SearchUnavailableError",
    "SellerHit",
    "SellerIndex",
    "SellerMentions",
    "SellerSearcher",
    "Shape",
    "Suggestion",
    "census",
    "exists",
    "postgres_write",
    "rebuild",
    "shape_of",
]

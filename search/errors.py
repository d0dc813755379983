"""Errors the search package raises; callers never see an exception of Whoosh's."""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every error this package raises on purpose."""


class QueryError(SearchError, ValueError):
    """The user's query cannot be searched (empty, bad page...); the web answers 400."""


class IndexBusyError(SearchError):
    """Another writer holds the index and did not let go in time; try again later."""


class IndexMissingError(SearchError):
    """There is no index at the path (or it was built by another schema version)."""


class SearchUnavailableError(SearchError):
    """The database a search reads (SEARCH_BACKEND=postgres) is out of reach for now:
    restarting, or the connection was lost; worth retrying (the web answers 503)."""

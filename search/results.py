"""What a search returns: plain frozen dataclasses, the same for any backend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from search.errors import QueryError

FilterValue = str | tuple[str, ...] | None


@dataclass(frozen=True)
class Filters:
    """Restrict a seller search; a tuple means any of these values."""

    verified: bool | None = None
    grade: FilterValue = None
    province: FilterValue = None
    city: FilterValue = None
    category: FilterValue = None

    @classmethod
    def of(cls, value: Filters | Mapping[str, Any] | None) -> Filters:
        """Return *value* as Filters; raise QueryError for an unknown filter."""
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise QueryError(f"unknown filter(s): {', '.join(sorted(map(str, unknown)))}")
        clean: dict[str, Any] = {}
        for key, item in value.items():
            if item is None or item == "" or item == ():
                continue
            if key == "verified":
                clean[key] = bool(item)
            elif isinstance(item, str):
                clean[key] = item
            else:
                clean[key] = tuple(str(v) for v in item)
        return cls(**clean)

    def active(self) -> dict[str, Any]:
        """Return the filters that are set."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "verified":
                if value:  # False means "no filter", not "unverified only"
                    out[f.name] = True
            elif value:
                out[f.name] = value
        return out


@dataclass(frozen=True)
class SellerHit:
    """One seller found: its id, relevance, highlighted names and stored fields."""

    seller_id: str
    score: float
    highlights: Mapping[str, str] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchResults:
    """One page of sellers, the total and the facet counts of the whole result set."""

    hits: tuple[SellerHit, ...]
    total: int
    page: int
    per_page: int
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    truncated: bool = False  # the query text was shortened before searching
    timed_out: bool = False  # the time limit stopped the search: hits are partial
    exact_total: bool = True  # False: total is an upper estimate (a very common term)

    @property
    def ids(self) -> list[str]:
        """Return the seller ids of this page, best first."""
        return [h.seller_id for h in self.hits]

    @property
    def pages(self) -> int:
        """Return the number of pages."""
        return (self.total + self.per_page - 1) // self.per_page


@dataclass(frozen=True)
class Suggestion:
    """A name to complete the user's text with, and the seller it belongs to."""

    text: str
    seller_id: str


@dataclass(frozen=True)
class SellerMentions:
    """Reports that match a narrative search and name one seller."""

    seller_id: str
    count: int
    snippets: tuple[str, ...]
    report_ids: tuple[str, ...]


@dataclass(frozen=True)
class NarrativeResults:
    """Sellers named by matching reports, most named first."""

    sellers: tuple[SellerMentions, ...]
    total: int  # matching reports
    truncated: bool = False
    timed_out: bool = False

    @property
    def ids(self) -> list[str]:
        """Return the seller ids, most named first."""
        return [s.seller_id for s in self.sellers]

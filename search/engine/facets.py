"""Facet counts over every match, by array lookups instead of Whoosh's grouping collector.

Whoosh counts a facet by asking a column for each scored match: about 10 us a match and
facet, 50 ms for a query found in a few thousand sellers. Here each segment's facet
values are read once into an array of small integer codes (segments never change), the
matching document numbers are taken straight from the postings (deleted ones dropped),
and one ``numpy.bincount`` per facet does the counting. Row: web_bench "search, cache
miss" (the results page counts four facets).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from whoosh.searching import Searcher

from search.arrays import intersect, union, within
from search.engine.postings import doc_frequency, postings
from search.engine.queries import Query, Walk
from search.engine.reading import per_segment


def _column(leaf: Any, field: str) -> tuple[np.ndarray, list[str]]:
    """Return (code of each document, label of each code) for *field* of one segment."""

    def read() -> tuple[np.ndarray, list[str]]:
        labels: dict[str, int] = {}
        if not leaf.has_column(field):
            return np.zeros(0, dtype=np.int32), []
        codes = np.fromiter(
            (labels.setdefault(v or "", len(labels)) for v in leaf.column_reader(field)),
            dtype=np.int32,
            count=leaf.doc_count_all(),
        )
        return codes, list(labels)

    return per_segment(leaf, ("facet", field), read)


Counts = dict[str, dict[str, int]]
#: one segment's reader, the number of its first document, and the sorted numbers (within
#: the segment) of its live documents that a query matches
Match = tuple[Any, int, np.ndarray]
_NONE = np.zeros(0, dtype=np.int64)


def segment_matches(searcher: Any, q: Query) -> list[Match]:
    """Return, per segment: its reader, the index-wide number of its first document, and the
    sorted numbers (within the segment) of the live documents *q* matches there."""
    found = []
    for sub, offset in searcher.leaf_searchers():
        leaf = sub.reader()
        ids = matching(q, leaf)
        found.append((leaf, offset, ids[live(leaf, ids)]))
    return found


def live(leaf: Any, ids: np.ndarray) -> np.ndarray | slice:
    """Select the documents of *ids* (of segment *leaf*) that are not deleted."""
    if not len(ids) or not leaf.has_deletions():
        return slice(None)
    return ~within(ids, np.sort(np.fromiter(leaf.deleted_docs_set, dtype=np.int64)))


def of_matches(found: list[Match], facets: Sequence[str]) -> Counts:
    """Return {facet: {value: count}} over what segment_matches() found."""
    counts: Counts = {f: {} for f in facets}
    for leaf, _offset, ids in found:
        _add(counts, leaf, ids)
    return counts


class _Matching(Walk[np.ndarray]):
    """The sorted document numbers of one segment (*leaf*) that a query matches."""

    def __init__(self, leaf: Any) -> None:
        self.leaf = leaf

    def nothing(self) -> np.ndarray:
        return _NONE

    def term(self, q: Any) -> np.ndarray:
        if not doc_frequency(self.leaf, q.fieldname, q.text):
            return _NONE
        return postings(self.leaf, q.fieldname, q.text)[0]

    def all(self, q: Any, subs: Sequence[Query]) -> np.ndarray:
        parts = [self(p) for p in subs]
        out = min(parts, key=len)
        for part in parts:
            if part is not out:
                out = intersect(out, part)
        return out

    def any(self, q: Any, subs: Sequence[Query]) -> np.ndarray:
        return union([self(p) for p in subs])

    def maybe(self, q: Any, a: Query, b: Query) -> np.ndarray:
        return self(a)

    def require(self, q: Any, a: Query, b: Query) -> np.ndarray:
        return self.all(q, (a, b))

    def other(self, q: Query) -> np.ndarray:
        return np.fromiter(q.docs(Searcher(self.leaf)), dtype=np.int64)


def matching(q: Query, leaf: Any) -> np.ndarray:
    """Return the sorted document numbers of one segment that *q* matches, deleted ones
    included: postings read whole, ANDs and ORs done on arrays (a Whoosh matcher
    leapfrogs through an AND in Python, a call per skip)."""
    return _Matching(leaf)(q)


def _add(counts: Counts, leaf: Any, ids: np.ndarray) -> None:
    if not len(ids):
        return
    for field, out in counts.items():
        codes, labels = _column(leaf, field)
        if not len(codes):
            continue
        tally = np.bincount(codes[ids], minlength=len(labels))
        found = np.flatnonzero(tally)
        for code, n in zip(found.tolist(), tally[found].tolist(), strict=True):
            label = labels[code]
            if label:
                out[label] = out.get(label, 0) + n

"""A segment's postings as arrays, the most used of them kept decoded in memory.

Whoosh stores a term's postings in blocks of up to 128, each compressed and pickled;
decoding them is most of what matching a query on arrays costs. The same terms come
back query after query (the grams of popular brands, cities and trades), so each
segment keeps the decoded arrays of its recently used terms, up to a size; segments
never change, so an entry never goes stale. Rows: search_bench sub2, word2, initials
(text in hundreds of names), web_bench "search, cache miss".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

from search.engine.queries import Query, Walk
from search.engine.reading import Recent, per_segment

#: decoded postings kept per segment and process
MAX_BYTES = 64 << 20
#: postings larger than this are decoded each time (a term in most of a million documents)
MAX_ENTRY_BYTES = 16 << 20

#: document frequencies kept per segment and process (a lookup in Whoosh's on-disk term
#: hash costs a few microseconds, and a query asks about each of its terms several times)
TERMS_KEPT = 50_000

#: (sorted document numbers, the term's weight (frequency) in each), both read-only
Postings = tuple[np.ndarray, np.ndarray]
_EMPTY: Postings = (np.zeros(0, dtype=np.int64), np.zeros(0))


def postings(leaf: Any, field: str, text: str) -> Postings:
    """Return the postings of *text* in *field* of segment *leaf* (deleted documents
    included); the caller has checked that the segment has the term."""
    recent: Recent = per_segment(leaf, "postings", lambda: Recent(MAX_BYTES, _nbytes))
    key = (field, text)
    found = recent.get(key)
    if found is None:
        found = _decode(leaf.postings(field, text))
        for array in found:
            array.flags.writeable = False  # shared by every later query
        if _nbytes(found) <= MAX_ENTRY_BYTES:
            recent.put(key, found)
    return found


def _nbytes(value: Postings) -> int:
    return value[0].nbytes + value[1].nbytes


def _decode(matcher: Any) -> Postings:
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):  # inlined postings: a list
        pairs = []
        while matcher.is_active():
            pairs.append((matcher.id(), matcher.weight()))
            matcher.next()
        if not pairs:
            return _EMPTY[0].copy(), _EMPTY[1].copy()
        found = np.array(pairs, dtype=np.float64)
        return found[:, 0].astype(np.int64), found[:, 1].copy()
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    while matcher.is_active():
        if matcher._data is None:  # noqa: SLF001
            matcher._read_data()  # noqa: SLF001
        block_ids, block_weights = matcher._data[0], matcher._data[1]  # noqa: SLF001
        ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)))  # deltas from 0
        if block_weights is None:
            block_weights = np.ones(len(block_ids))
        elif isinstance(block_weights, float):
            block_weights = np.full(len(block_ids), block_weights)
        weights.append(np.asarray(block_weights, dtype=np.float64))
        matcher._next_block()  # noqa: SLF001
    if not ids:
        return _EMPTY[0].copy(), _EMPTY[1].copy()
    return np.concatenate(ids), np.concatenate(weights)


def doc_frequency(leaf: Any, field: str, text: str) -> int:
    """Documents of segment *leaf* with *text* in *field*, deleted ones included; 0 when
    the segment has no such term. Remembered per segment."""
    recent: Recent = per_segment(leaf, "df", lambda: Recent(TERMS_KEPT))
    key = (field, text)
    found = recent.get(key)
    if found is None:
        try:
            found = int(leaf.doc_frequency(field, text)) if field in leaf.schema else 0
        except ValueError:  # text the field cannot hold (a word in a numeric field)
            found = 0
        recent.put(key, found)
    return found


def total_frequency(reader: Any, field: str, text: str) -> int:
    """doc_frequency summed over the segments of *reader* (reader.doc_frequency)."""
    return sum(doc_frequency(leaf, field, text) for leaf, _ in reader.leaf_readers())


class _Estimate(Walk[int]):
    """An upper bound of the documents a query matches in *reader*."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader

    def nothing(self) -> int:
        return 0

    def term(self, q: Any) -> int:
        return total_frequency(self.reader, q.fieldname, q.text)

    def all(self, q: Any, subs: Sequence[Query]) -> int:
        return min(self(sub) for sub in subs)

    def any(self, q: Any, subs: Sequence[Query]) -> int:
        return min(sum(self(sub) for sub in subs), self.reader.doc_count())

    def maybe(self, q: Any, a: Query, b: Query) -> int:
        return self.any(q, (a, b))

    def require(self, q: Any, a: Query, b: Query) -> int:
        return self(b)  # as Whoosh's Require.estimate_size: the filter's

    def other(self, q: Query) -> int:
        return int(q.estimate_size(self.reader))


def estimate(q: Query, reader: Any) -> int:
    """``q.estimate_size(reader)`` from remembered document frequencies, for the queries
    the search builds (Term, And, Or, AndMaybe, Require); others are asked."""
    return _Estimate(reader)(q)

"""Whoosh's BM25F scores of every match of a query, computed on posting arrays.

Whoosh scores a match at a time through a tree of matchers: about 10 us a match, 5 ms
for a query found in a few hundred sellers. Here each term's postings are arrays
(document numbers, term frequencies; see postings.py), the field lengths of a segment
are read once into an array, and ANDs, ORs and boosts are array operations. The scores are those
of ``whoosh.scoring.BM25F`` with its defaults, term by term (tests compare the two).
Rows: search_bench sub2, sub3_4, english, pinyin (p95), web_bench "search, cache miss".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from search.arrays import intersect, union, within
from search.engine.facets import Match, live, matching
from search.engine.postings import doc_frequency, postings
from search.engine.queries import Query, Walk
from search.engine.reading import per_segment

#: sorted document numbers of one segment, and the score of each
Scored = tuple[np.ndarray, np.ndarray]

_B, _K1 = BM25F().B, BM25F().K1
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_IDS = np.zeros(0, dtype=np.int64)
_NONE: Scored = (_IDS, np.zeros(0))


class _Supported(Walk[bool]):
    def nothing(self) -> bool:
        return True

    def term(self, q: Any) -> bool:
        return True

    def all(self, q: Any, subs: Sequence[Query]) -> bool:
        return all(self(s) for s in subs)

    any = all

    def maybe(self, q: Any, a: Query, b: Query) -> bool:
        return self(a) and self(b)

    require = maybe

    def other(self, q: Query) -> bool:
        return False


def supported(q: Query) -> bool:
    """Tell whether scored() computes *q* (the shapes search/query.py builds)."""
    return _Supported()(q)


class _Scored(Walk[Scored]):
    """The scores of one segment's matches: *leaf* the segment, *searcher* the statistics."""

    def __init__(self, leaf: Any, searcher: Any) -> None:
        self.leaf, self.searcher = leaf, searcher

    def nothing(self) -> Scored:
        return _NONE

    def term(self, q: Any) -> Scored:
        return _term(q, self.leaf, self.searcher)

    def all(self, q: Any, subs: Sequence[Query]) -> Scored:
        return self._compound(q, subs, _all)

    def any(self, q: Any, subs: Sequence[Query]) -> Scored:
        return self._compound(q, subs, _any)

    def _compound(self, q: Any, subs: Sequence[Query], join: Any) -> Scored:
        parts = [self(s) for s in subs]
        if not parts:
            return _NONE
        if len(parts) == 1:
            return parts[0]  # Whoosh applies no boost to a compound of one
        ids, scores = join(parts)
        return ids, scores * q.boost if q.boost != 1.0 else scores

    def maybe(self, q: Any, a: Query, b: Query) -> Scored:
        (ids, scores), (b_ids, b_scores) = self(a), self(b)
        both = intersect(ids, b_ids)
        scores = scores.copy()
        scores[np.searchsorted(ids, both)] += b_scores[np.searchsorted(b_ids, both)]
        return ids, scores

    def require(self, q: Any, a: Query, b: Query) -> Scored:
        ids, scores = self(a)
        keep = within(ids, matching(b, self.leaf))
        return ids[keep], scores[keep]

    def other(self, q: Query) -> Scored:
        raise TypeError(f"cannot score {type(q).__name__} on arrays")


def scored(q: Query, leaf: Any, searcher: Any) -> Scored:
    """Return the documents of segment *leaf* that *q* matches, deleted ones included,
    with their scores; *searcher* (the whole index's) gives the term statistics."""
    return _Scored(leaf, searcher)(q)


def scored_matches(searcher: Any, q: Query) -> tuple[list[Match], np.ndarray, np.ndarray]:
    """Score every live match of *q* in every segment: per segment (its reader, the number
    of its first document, its matches), then every match's document number and score."""
    found, ids, scores = [], [], []
    for sub, offset in searcher.leaf_searchers():
        leaf = sub.reader()
        seg_ids, seg_scores = scored(q, leaf, searcher)
        keep = live(leaf, seg_ids)
        found.append((leaf, offset, seg_ids[keep]))
        ids.append(seg_ids[keep] + offset)
        scores.append(seg_scores[keep])
    every = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    score = np.concatenate(scores) if scores else np.zeros(0)
    return found, every, score


def _all(parts: list[Scored]) -> Scored:
    ids = parts[0][0]
    for other, _ in parts[1:]:
        ids = intersect(ids, other)
    scores = np.zeros(len(ids))
    for part_ids, part_scores in parts:
        scores += part_scores[np.searchsorted(part_ids, ids)]
    return ids, scores


def _any(parts: list[Scored]) -> Scored:
    ids = union([p for p, _ in parts])
    scores = np.zeros(len(ids))
    for part_ids, part_scores in parts:
        scores[np.searchsorted(ids, part_ids)] += part_scores
    return ids, scores


def _term(q: Any, leaf: Any, searcher: Any) -> Scored:
    field = q.fieldname
    if field not in searcher.schema:
        return _NONE
    try:
        text = searcher.schema[field].to_bytes(q.text)
    except ValueError:
        return _NONE
    if not doc_frequency(leaf, field, q.text):
        return _NONE
    ids, weights = postings(leaf, field, q.text)
    if searcher.schema[field].scorable:
        idf = searcher.idf(field, text)
        average = searcher.avg_field_length(field) or 1
        lengths = _lengths(leaf, field)[ids]
        # whoosh.scoring.bm25, on arrays
        scores = idf * (
            (weights * (_K1 + 1)) / (weights + _K1 * ((1 - _B) + _B * lengths / average))
        )
    else:
        scores = weights  # WeightScorer: the weight is the score
    return ids, scores * q.boost if q.boost != 1.0 else scores


def _lengths(leaf: Any, field: str) -> np.ndarray:
    """Each document's length of *field* in segment *leaf*, as Whoosh decodes it."""

    def read() -> np.ndarray:
        codes = length_codes(leaf._perdoc, field, leaf.doc_count_all())  # noqa: SLF001
        if codes is None:
            return np.ones(leaf.doc_count_all())  # Whoosh's default for a field without
        return _LENGTH_OF_BYTE[codes]

    return per_segment(leaf, ("lengths", field), read)


def length_codes(perdoc: Any, field: str, count: int) -> np.ndarray | None:
    """The length byte of *field* of each of *count* documents, from a W3PerDocReader
    (None when the segment stores no lengths of it)."""
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)  # noqa: SLF001
    if column is None:
        return None
    stored = column._count  # noqa: SLF001 - documents after it have the default, 0
    codes = np.zeros(count, dtype=np.uint8)
    codes[:stored] = np.frombuffer(
        column._dbfile.get(column._basepos, stored),  # noqa: SLF001
        dtype=np.uint8,
    )
    return codes

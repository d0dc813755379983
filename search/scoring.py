"""Whoosh's BM25F scores of every match of a query, computed on posting arrays.

Whoosh scores a match at a time through a tree of matchers: about 10 us a match, 5 ms
for a query found in a few hundred sellers. Here each term's postings are arrays
(document numbers, term frequencies; see postings.py), the field lengths of a segment
are read once into an array, and ANDs, ORs and boosts are array operations. The scores are those
of ``whoosh.scoring.BM25F`` with its defaults, term by term (tests compare the two).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from search.arrays import intersect, union, within
from search.facets import matching
from search.postings import doc_frequency, postings
from search.reading import per_segment

#: sorted document numbers of one segment, and the score of each
Scored = tuple[np.ndarray, np.ndarray]

_B, _K1 = BM25F().B, BM25F().K1
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_IDS = np.zeros(0, dtype=np.int64)
_NONE: Scored = (_IDS, np.zeros(0))


def supported(q: wq.Query) -> bool:
    """Tell whether scored() computes *q* (the shapes search/query.py builds)."""
    if isinstance(q, wq.Term) or q is wq.NullQuery:
        return True
    if isinstance(q, (wq.And, wq.Or)) and type(q) in (wq.And, wq.Or):
        return all(supported(s) for s in q.subqueries)
    if isinstance(q, (wq.AndMaybe, wq.Require)):
        return supported(q.a) and supported(q.b)
    return False


def scored(q: wq.Query, leaf: Any, searcher: Any) -> Scored:
    """Return the documents of segment *leaf* that *q* matches, deleted ones included,
    with their scores; *searcher* (the whole index's) gives the term statistics."""
    if isinstance(q, wq.Term):
        return _term(q, leaf, searcher)
    if isinstance(q, (wq.And, wq.Or)):
        parts = [scored(s, leaf, searcher) for s in q.subqueries]
        if not parts:
            return _NONE
        if len(parts) == 1:
            return parts[0]  # Whoosh applies no boost to a compound of one
        ids, scores = (_all if isinstance(q, wq.And) else _any)(parts)
        return ids, scores * q.boost if q.boost != 1.0 else scores
    if isinstance(q, wq.AndMaybe):
        (ids, scores), (b_ids, b_scores) = scored(q.a, leaf, searcher), scored(q.b, leaf, searcher)
        both = intersect(ids, b_ids)
        scores = scores.copy()
        scores[np.searchsorted(ids, both)] += b_scores[np.searchsorted(b_ids, both)]
        return ids, scores
    if isinstance(q, wq.Require):
        ids, scores = scored(q.a, leaf, searcher)
        keep = within(ids, matching(q.b, leaf))
        return ids[keep], scores[keep]
    if q is wq.NullQuery:
        return _NONE
    raise TypeError(f"cannot score {type(q).__name__} on arrays")


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


def _term(q: wq.Term, leaf: Any, searcher: Any) -> Scored:
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

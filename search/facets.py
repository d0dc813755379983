"""Facet counts over every match, by array lookups instead of Whoosh's grouping collector.

Whoosh counts a facet by asking a column for each scored match: about 10 us a match and
facet, 50 ms for a query found in a few thousand sellers. Here each segment's facet
values are read once into an array of small integer codes (segments never change, and
deleted documents never match), the matching document numbers are taken straight from
the postings, and one ``numpy.bincount`` per facet does the counting.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound

_codes: weakref.WeakKeyDictionary[Any, dict[str, tuple[np.ndarray, list[str]]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def _column(leaf: Any, field: str) -> tuple[np.ndarray, list[str]]:
    """Return (code of each document, label of each code) for *field* of one segment."""
    with _lock:
        per_field = _codes.setdefault(leaf, {})
        found = per_field.get(field)
        if found is None:
            labels: dict[str, int] = {}
            if leaf.has_column(field):
                codes = np.fromiter(
                    (labels.setdefault(v or "", len(labels)) for v in leaf.column_reader(field)),
                    dtype=np.int32,
                    count=leaf.doc_count_all(),
                )
            else:
                codes = np.zeros(0, dtype=np.int32)
            found = per_field[field] = (codes, list(labels))
        return found


Counts = dict[str, dict[str, int]]


def of_query(searcher: Any, q: wq.Query, facets: Sequence[str]) -> tuple[int, Counts]:
    """Return (number of matches, {facet: {value: count}}) of *q* over the whole index."""
    counts: Counts = {f: {} for f in facets}
    total = 0
    for sub, _offset in searcher.leaf_searchers():
        try:
            matcher = q.matcher(sub, sub.boolean_context())
        except TermNotFound:
            continue
        ids = np.fromiter(matcher.all_ids() if matcher.is_active() else (), dtype=np.int64)
        total += len(ids)
        _add(counts, sub.reader(), ids)
    return total, counts


def of_docs(searcher: Any, docnums: Iterable[int], facets: Sequence[str]) -> Counts:
    """Return {facet: {value: count}} over the documents *docnums* (index-wide numbers)."""
    counts: Counts = {f: {} for f in facets}
    ids = np.sort(np.fromiter(docnums, dtype=np.int64))
    leaves = searcher.leaf_searchers()
    bounds = [offset for _, offset in leaves] + [searcher.doc_count_all()]
    for i, (sub, offset) in enumerate(leaves):
        lo, hi = np.searchsorted(ids, [offset, bounds[i + 1]])
        _add(counts, sub.reader(), ids[lo:hi] - offset)
    return counts


def _add(counts: Counts, leaf: Any, ids: np.ndarray) -> None:
    if not len(ids):
        return
    for field, out in counts.items():
        codes, labels = _column(leaf, field)
        if not len(codes):
            continue
        tally = np.bincount(codes[ids], minlength=len(labels))
        for code in np.flatnonzero(tally):
            label = labels[code]
            if label:
                out[label] = out.get(label, 0) + int(tally[code])

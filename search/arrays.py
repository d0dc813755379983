"""Set operations on sorted arrays of document numbers.

numpy's own are general: ``np.unique`` hashes (about 15 times slower than a sort here,
numpy 2.4) and ``np.isin`` sorts both sides again. Postings are already sorted and
unique, so a merge-sort and a binary search do. Rows: search_bench sub2, word2, initials.
"""

from __future__ import annotations

import numpy as np

EMPTY = np.zeros(0, dtype=np.int64)


def union(parts: list[np.ndarray]) -> np.ndarray:
    """The sorted, unique values of sorted arrays."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return EMPTY
    if len(parts) == 1:
        return parts[0]
    values = np.sort(np.concatenate(parts))
    first = np.empty(len(values), dtype=bool)
    first[0] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return values[first]


def within(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """For each of *values*, whether it is in *sorted_set* (sorted, unique)."""
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_set, values)
    at[at == len(sorted_set)] = 0
    return sorted_set[at] == values


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values of both sorted, unique arrays, sorted."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return small[within(small, large)]

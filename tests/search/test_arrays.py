"""Set operations on sorted document numbers agree with numpy's general ones."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from search import arrays

sorted_sets = st.sets(st.integers(0, 300), max_size=60).map(
    lambda s: np.array(sorted(s), dtype=np.int64)
)


@given(st.lists(sorted_sets, max_size=5))
def test_union(parts: list[np.ndarray]) -> None:
    want = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    assert arrays.union(parts).tolist() == want.tolist()


@given(sorted_sets, sorted_sets)
def test_intersect_and_within(a: np.ndarray, b: np.ndarray) -> None:
    assert arrays.intersect(a, b).tolist() == np.intersect1d(a, b).tolist()
    assert arrays.within(a, b).tolist() == np.isin(a, b).tolist()

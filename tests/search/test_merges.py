"""An apply merges only small segments, boundedly; large ones are joined off to the side.

Whoosh's MERGE_SMALL may merge every segment up to a Fibonacci merge point, large ones
included: at 100,000 sellers such a merge held the writer lock for 2.5 minutes, and no
change reached search meanwhile. The policy here bounds each merge's documents; the
segments it leaves are joined by a compaction (a rebuild beside the live generation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import SellerIndex, SellerSearcher, census, rebuild
from search.engine import writing

from .conftest import make_seller


def _docs(lo: int, hi: int, tag: str = "v1") -> list[dict]:
    return [make_seller(f"m{i}", f"合并测试商行{i}号", version=tag) for i in range(lo, hi)]


def _segment_names(index: SellerIndex) -> list[str]:
    ix, _ = index.store.open()
    try:
        return [seg.segment_id() for seg in ix._segments()]
    finally:
        ix.close()


def _copies(path: Path) -> dict[str, list]:
    searcher = SellerSearcher(path)
    try:
        return census.copies(searcher.cache)
    finally:
        searcher.close()


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(writing, "SMALL_MERGE_DOCS", 20)
    monkeypatch.setattr(writing, "MAX_SEGMENTS", 6)


def test_an_apply_merges_small_segments_and_leaves_the_large_one(index_path, small_limits):
    rebuild(index_path, _docs(0, 60))  # one large segment, as a rebuild leaves
    index = SellerIndex(index_path)
    [large] = _segment_names(index)
    for lo in range(60, 90, 3):  # ten applies of three new sellers each
        index.apply(_docs(lo, lo + 3))
        assert len(index.segment_sizes()) <= writing.MAX_SEGMENTS + 1
    names = _segment_names(index)
    assert large in names  # never rewritten by an apply
    sizes = index.segment_sizes()
    assert max(n for n, _ in sizes) == 60
    assert all(n < writing.SMALL_MERGE_DOCS for n, _ in sizes if n != 60)
    assert len(sizes) < 10  # merged: ten applies, fewer segments
    copies = _copies(index_path)
    assert sorted(copies) == sorted(f"m{i}" for i in range(90))
    assert all(len(v) == 1 for v in copies.values())


def test_a_merge_keeps_every_update_and_drops_deleted_copies(index_path, small_limits):
    rebuild(index_path, _docs(0, 30))
    index = SellerIndex(index_path)
    for round_ in range(8):  # the same sellers updated again and again
        index.apply(_docs(0, 3, tag=f"v{round_ + 2}"))
    copies = _copies(index_path)
    assert {copies[f"m{i}"][0] for i in range(3)} == {"v9"}
    assert all(len(v) == 1 for v in copies.values()) and len(copies) == 30


def test_merge_small_is_whooshs_own_merge_for_small_segments(index_path, small_limits):
    # The policy goes through Whoosh's commit(mergetype=...) and add_reader: with only
    # small segments it merges them as MERGE_SMALL's OPTIMIZE-like join does, and the
    # answers are those of a fresh build of the same documents.
    index = SellerIndex(index_path)
    for lo in range(0, 18, 3):
        index.apply(_docs(lo, lo + 3))
    index.apply(_docs(18, 19), merge=True)
    assert len(index.segment_sizes()) < 7
    fresh = index_path.parent / "fresh"
    rebuild(fresh, _docs(0, 19))
    a, b = SellerSearcher(index_path), SellerSearcher(fresh)
    try:
        for query in ("合并测试", "商行1", "m7"):
            assert sorted(a.search(query, per_page=50).ids) == sorted(
                b.search(query, per_page=50).ids
            )
    finally:
        a.close()
        b.close()


def test_needs_compaction_counts_segments_and_deleted_share(index_path, monkeypatch):
    monkeypatch.setattr(writing, "MAX_SEGMENTS", 1000)  # no merge at all
    monkeypatch.setattr(writing, "COMPACT_SEGMENTS", 5)
    index = SellerIndex(index_path)
    assert not index.needs_compaction()  # no index yet
    rebuild(index_path, _docs(0, 40))
    assert not index.needs_compaction()
    for lo in range(0, 12, 3):  # four segments of updates, 12 of 52 copies deleted
        index.apply(_docs(lo, lo + 3, tag="v2"))
    assert len(index.segment_sizes()) == 5
    assert index.needs_compaction()  # five segments
    monkeypatch.setattr(writing, "COMPACT_SEGMENTS", 100)
    assert not index.needs_compaction()  # 12 deleted of 52: under a quarter
    index.apply(_docs(0, 12, tag="v3"))
    assert index.needs_compaction()  # 24 deleted of 64


def test_a_large_segment_past_whooshs_merge_point_is_not_rewritten(index_path, monkeypatch):
    # Whoosh's MERGE_SMALL, given segments of 1, 1, 1, 1 and 25 documents, finds its merge
    # point at the fifth (29 < fib(9)) and rewrites the large one with the small ones.
    monkeypatch.setattr(writing, "SMALL_MERGE_DOCS", 20)
    monkeypatch.setattr(writing, "MAX_SEGMENTS", 5)
    rebuild(index_path, _docs(0, 25))
    index = SellerIndex(index_path)
    [large] = _segment_names(index)
    for i in range(25, 30):
        index.apply(_docs(i, i + 1))
    assert large in _segment_names(index)
    assert sorted(_copies(index_path)) == sorted(f"m{i}" for i in range(30))

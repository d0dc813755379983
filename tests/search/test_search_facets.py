"""Facet counts from per-segment code arrays agree with counting every match by hand."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from search import SellerIndex, SellerSearcher
from tests.search.conftest import all_ids, make_seller

GRADES = ["A", "B", "C", "NR"]
PROVINCES = ["广东", "浙江", None]


def seller(i: int, tag: str = "") -> dict:
    return make_seller(
        f"f{i}",
        f"云帆{i}号数码商行{tag}",
        grade=GRADES[i % 4],
        province=PROVINCES[i % 3],
        verified=i % 2 == 0,
        version=tag or 1,
    )


def by_hand(docs: dict[str, dict], ids: list[str], field: str) -> dict[str, int]:
    values = Counter(docs[i][field] for i in ids)
    return {
        str(k).lower() if isinstance(k, bool) else k: v for k, v in values.items() if k is not None
    }


def test_facets_over_segments_with_deletions_and_updates(tmp_path: Path) -> None:
    path = tmp_path / "ix"
    index = SellerIndex(path)
    docs = {d["id"]: d for d in (seller(i) for i in range(300))}
    index.rebuild_parts(
        [
            lambda: (docs[f"f{i}"] for i in range(150)),
            lambda: (docs[f"f{i}"] for i in range(150, 300)),
        ]
    )
    # a later segment: some sellers changed (grade), some gone
    for i in range(0, 300, 7):
        docs[f"f{i}"] = {**seller(i, "改"), "grade": "D"}
    gone = [f"f{i}" for i in range(1, 300, 11)]
    index.apply([docs[f"f{i}"] for i in range(0, 300, 7)], gone)
    for g in gone:
        docs.pop(g, None)
    searcher = SellerSearcher(path, walk_above=50)
    assert len(searcher.cache.searcher().reader().leaf_readers()) == 3
    for q, filters in [
        ("云帆", None),
        ("数码商行", {"verified": True}),
        ("商行改", None),
        ("云帆", {"grade": ["A", "D"]}),
    ]:
        res = searcher.search(q, filters=filters, facets=("grade", "province", "verified"))
        every = all_ids(searcher, q, filters=filters)
        assert res.total == len(every) and res.exact_total
        for field in ("grade", "province", "verified"):
            assert res.facets[field] == by_hand(docs, every, field), (q, filters, field)
    assert searcher.search("没有的", facets=("grade",)).facets == {"grade": {}}

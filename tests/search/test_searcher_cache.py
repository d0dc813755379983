"""A searcher kept open across commits sees each id once, with its latest fields."""

from __future__ import annotations

from pathlib import Path

from search import SellerIndex, SellerSearcher
from search.engine import reading

from .conftest import make_seller


def _listed(searcher: SellerSearcher, text: str = "平安银行") -> list[tuple[str, float]]:
    return [(h.seller_id, h.fields["score"]) for h in searcher.search(text).hits]


def test_an_update_replaces_the_copy_an_open_searcher_had(index_path: Path) -> None:
    ix = SellerIndex(index_path)
    ix.rebuild([make_seller("s1", "平安银行有限公司", score=90.0), make_seller("s2", "小米")])
    searcher = SellerSearcher(index_path)
    assert _listed(searcher) == [("s1", 90.0)]
    for score in (80.0, 70.0, 60.0):
        # The old document is deleted in a segment the searcher already had open.
        ix.apply([make_seller("s1", "平安银行有限公司", score=score)])
        assert _listed(searcher) == [("s1", score)]
        assert searcher.search("平安银行").total == 1


def test_a_merge_lists_each_document_once(index_path: Path) -> None:
    ix = SellerIndex(index_path)
    ix.rebuild([make_seller(f"s{i}", f"平安银行{i}号商行", score=float(i)) for i in range(4)])
    for i in range(3):
        ix.apply([make_seller(f"n{i}", f"平安银行新{i}号商行")])
    searcher = SellerSearcher(index_path)
    assert searcher.search("平安银行").total == 7
    ix.optimize()  # every segment merged into one new one
    found = searcher.search("平安银行")
    assert found.total == 7 and len(set(found.ids)) == 7


def test_segments_whose_documents_did_not_change_keep_their_reader(index_path: Path) -> None:
    ix = SellerIndex(index_path)
    ix.rebuild([make_seller("s1", "平安银行有限公司"), make_seller("s2", "小米科技")])
    ix.apply([make_seller("n1", "新开张商行")])
    searcher = SellerSearcher(index_path)
    searcher.search("平安银行")
    before = [leaf for leaf, _ in searcher.cache.searcher().reader().leaf_readers()]
    derived = reading.per_segment(before[0], "postings", lambda: None)
    ix.apply([make_seller("n2", "又一家新店")])  # a new segment; none deleted from
    after = [leaf for leaf, _ in searcher.cache.searcher().reader().leaf_readers()]
    assert after[:2] == before and len(after) == 3
    ix.apply([make_seller("s1", "平安银行有限公司", score=1.0)])  # s1 deleted in segment 0
    again = [leaf for leaf, _ in searcher.cache.searcher().reader().leaf_readers()]
    assert again[0] is not before[0] and again[0].is_deleted(0)
    # The new reader of the same segment keeps what was derived from its files.
    assert reading.per_segment(again[0], "postings", lambda: None) is derived


def test_the_version_is_that_of_the_documents_searched(index_path: Path) -> None:
    ix = SellerIndex(index_path)
    ix.rebuild([make_seller("s1", "平安银行有限公司")], sequence=1)
    searcher = SellerSearcher(index_path)
    first = searcher.version()
    assert first == searcher.version()
    ix.record_sequence(2)  # no document changed: the same answers
    assert searcher.version() == first
    ix.apply([make_seller("s2", "平安小店")], sequence=3)
    second = searcher.version()
    assert second[0] == first[0] and second[1] > first[1]
    ix.rebuild([make_seller("s1", "平安银行有限公司")], sequence=4)
    assert searcher.version()[0] != first[0]

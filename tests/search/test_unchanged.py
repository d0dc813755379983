"""An apply asked to skip unchanged documents writes only those whose version differs from
the live copy's: the change log names a seller for every event, and most events change no
search entry (its score moves, if at all, under an entry of its own)."""

from __future__ import annotations

from search import SellerIndex, SellerSearcher, census

from .conftest import make_seller


def _docs(n: int, tag: str) -> list[dict]:
    return [make_seller(f"u{i}", f"跳过测试商行{i}号", version=tag) for i in range(n)]


def _segments(index: SellerIndex) -> int:
    return len(index.segment_sizes())


def test_the_same_documents_again_write_nothing(index_path):
    index = SellerIndex(index_path)
    index.apply(_docs(5, "v1"))
    segments = _segments(index)
    stats = index.apply(_docs(5, "v1"), sequence=7, skip_unchanged=True)
    assert (stats.added, stats.unchanged) == (0, 5)
    assert _segments(index) == segments and index.last_sequence() == 7


def test_changed_documents_are_written_and_deletes_still_apply(index_path):
    index = SellerIndex(index_path)
    index.apply(_docs(5, "v1"))
    docs = _docs(5, "v1")
    docs[2] = {**docs[2], "version": "v2", "legal_name": "跳过测试新名商行"}
    stats = index.apply(docs, deletes=["u4"], skip_unchanged=True)
    assert (stats.added, stats.unchanged, stats.deleted) == (1, 3, 1)
    searcher = SellerSearcher(index_path)
    try:
        copies = census.copies(searcher.cache)
        assert sorted(copies) == ["u0", "u1", "u2", "u3"]
        assert copies["u2"] == ["v2"] and copies["u0"] == ["v1"]
        assert searcher.search("新名").ids == ["u2"]
    finally:
        searcher.close()


def test_a_document_found_twice_is_written_again(index_path):
    # Two live copies (what a broken writer would leave) are never "unchanged": the apply
    # rewrites the id, which deletes both copies.
    from search.documents import seller_document
    from search.engine.building import writer

    index = SellerIndex(index_path)
    index.apply(_docs(2, "v1"))
    ix, _ = index.store.open()
    w = writer(ix)
    w.add_document(**seller_document(_docs(1, "v1")[0]))
    w.commit()
    ix.close()
    stats = index.apply(_docs(2, "v1"), skip_unchanged=True)
    assert (stats.added, stats.unchanged) == (1, 1)
    searcher = SellerSearcher(index_path)
    try:
        assert census.copies(searcher.cache)["u0"] == ["v1"]
    finally:
        searcher.close()

"""Postings as arrays and stored documents, both kept per segment: the same as Whoosh's."""

from __future__ import annotations

import bisect
from pathlib import Path

import pytest

from search import SellerIndex
from search.engine import postings, reading
from search.engine.schema import SCHEMA_VERSION, seller_schema
from search.engine.store import IndexStore

from .test_bm25 import corpus


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("postings") / "index"
    sellers = SellerIndex(path)
    docs = corpus(400)
    sellers.rebuild(docs)
    sellers.apply([{**d, "legal_name": d["legal_name"] + "二店"} for d in docs[::5]])
    return path


def open_searcher(index: Path):
    ix, _ = IndexStore(index, "sellers", seller_schema, SCHEMA_VERSION).open()
    return ix.searcher()


def test_postings_are_whooshs_in_every_segment(index: Path) -> None:
    with open_searcher(index) as searcher:
        leaves = [sub.reader() for sub, _ in searcher.leaf_searchers()]
        assert len(leaves) == 2
        sizes = set()
        deleted_seen = False
        for leaf in leaves:
            for field, text in [
                ("grams", "云帆"),
                ("grams", "科技"),
                ("words", "digital"),
                ("grams", "二店"),
                ("pyi", "yf"),
                ("grams", "公司"),
            ]:
                if (field, text) not in leaf:
                    continue
                m = leaf.postings(field, text)
                want_ids, want_weights = [], []
                while m.is_active():
                    want_ids.append(m.id())
                    want_weights.append(m.weight())
                    m.next()
                ids, weights = postings.postings(leaf, field, text)
                live = [not leaf.is_deleted(d) for d in ids.tolist()]  # Whoosh skips deleted
                assert ids[live].tolist() == want_ids and weights[live].tolist() == want_weights
                deleted_seen |= not all(live)
                sizes.add(len(ids) > 128 or (len(ids) < 16 and "inlined"))
        assert {True, "inlined"} <= sizes  # several blocks, and inlined in the term table
        assert deleted_seen  # postings keep deleted documents; the callers drop them


def test_postings_are_kept_read_only_and_within_their_budget(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_searcher(index) as searcher:
        leaf = searcher.leaf_searchers()[0][0].reader()
        ids, weights = postings.postings(leaf, "grams", "科技")
        assert postings.postings(leaf, "grams", "科技")[0] is ids  # decoded once
        with pytest.raises(ValueError):
            ids[0] = 5  # shared by later queries: nobody may change it
        recent = reading.per_segment(leaf, "postings", lambda: None)
        monkeypatch.setattr(recent, "limit", ids.nbytes + weights.nbytes)
        postings.postings(leaf, "grams", "云帆")
        assert ("grams", "科技") not in recent.items and recent.total <= recent.limit
        monkeypatch.setattr(postings, "MAX_ENTRY_BYTES", 8)
        first = postings.postings(leaf, "grams", "公司")[0]
        assert postings.postings(leaf, "grams", "公司")[0] is not first  # too big to keep


def test_stored_fields_are_whooshs_and_read_only(
    index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "STORED_KEPT", 50)
    with open_searcher(index) as searcher:
        for docnum in list(range(searcher.doc_count_all())) * 2:
            got = reading.stored_fields(searcher, docnum)
            assert dict(got) == searcher.stored_fields(docnum)
        with pytest.raises(TypeError):
            got["id"] = "forged"  # type: ignore[index]
        again = reading.stored_fields(searcher, docnum)
        assert again is got
        for sub, _ in searcher.leaf_searchers():
            kept = reading.per_segment(sub.reader(), "stored", lambda: None)
            assert len(kept.items) <= 50
        # A page's documents at once, across segments and in any order.
        order = list(range(searcher.doc_count_all()))[::-7]
        assert (
            len({bisect.bisect_right([o for _, o in searcher.leaf_searchers()], d) for d in order})
            == 2
        )
        got = reading.stored_documents(searcher, order)
        assert [dict(d) for d in got] == [searcher.stored_fields(d) for d in order]


def test_recent_drops_the_least_recently_used() -> None:
    recent = reading.Recent(3, size=len)
    recent.put("a", "x")
    recent.put("b", "y")
    assert recent.get("a") == "x"
    recent.put("c", "zz")  # 4 > 3: "b" was used least recently
    assert recent.get("b") is None and recent.get("a") == "x" and recent.get("c") == "zz"
    assert recent.total == 3


def test_remembered_frequencies_and_estimates_are_whooshs(index: Path) -> None:
    """doc_frequency per segment and estimate() of every query the search builds (strict,
    typo and inside-word passes, filtered too): what Whoosh's own answer."""
    from search.query import INSIDE_WORDS, TYPOS, filter_query, parse, seller_query
    from search.sellers import _filtered

    from .test_bm25 import QUERIES

    with open_searcher(index) as searcher:
        reader = searcher.reader()
        seen: set[int] = set()
        for leaf, _ in reader.leaf_readers():
            for field, text in [("grams", "云帆"), ("grams", "无此词"), ("rank", "x"), ("no", "a")]:
                want = leaf.doc_frequency(field, text) if field in ("grams",) else 0
                assert postings.doc_frequency(leaf, field, text) == want
                assert postings.doc_frequency(leaf, field, text) == want  # remembered
        for text in QUERIES:
            parsed = parse(text)
            for stage in (None, TYPOS, INSIDE_WORDS):
                q = (
                    seller_query(parsed, reader)
                    if stage is None
                    else seller_query(parsed, reader, stage)
                )
                for flt in (filter_query({}), filter_query({"grade": "A"})):
                    whole = _filtered(q, flt)
                    want = whole.estimate_size(reader)
                    assert postings.estimate(whole, reader) == want
                    seen.add(want)
        assert len(seen) > 10  # from no match to most of the index

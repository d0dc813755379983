"""Scores on posting arrays are Whoosh's BM25F scores, match for match."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from search import SellerIndex, SellerSearcher
from search.engine import bm25
from search.engine.store import IndexStore
from search.query import TYPOS, filter_query, parse, seller_query

from .conftest import make_seller

CITIES = ["杭州", "深圳", "广州", "成都", "苏州", "武汉"]
BRANDS = {"云帆": "yunfan", "木棉": "mumian", "拾光": "shiguang", "青禾": "qinghe"}
TRADES = [("数码", "Digital"), ("食品", "Foods"), ("家居", "Home"), ("服饰", "Apparel")]


def corpus(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        city, (brand, py), (trade, en) = (
            rng.choice(CITIES),
            rng.choice(list(BRANDS.items())),
            rng.choice(TRADES),
        )
        docs.append(
            make_seller(
                f"d{i:04d}",
                f"{city}{brand}{trade}{'科技' * (i % 3)}有限公司{i}",
                store_names=[f"{brand}{trade}旗舰店"] * (i % 2),
                english_name=f"{py.title()} {en} Co {i}" if i % 4 else None,
                grade=rng.choice(["A", "B", "C", "NR"]),
                verified=bool(i % 3),
                province=city,
                score=float(i % 50),
            )
        )
    return docs


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scoring") / "index"
    sellers = SellerIndex(path)
    docs = corpus(700)
    sellers.rebuild(docs)  # postings of more than one block (128) and inlined (< 16)
    # A second segment with replaced (so deleted) documents, and a few names on their own.
    sellers.apply([{**d, "legal_name": d["legal_name"] + "新店"} for d in docs[::9]])
    sellers.apply([make_seller("exact", "云帆数码"), make_seller("rare", "独一无二商行")])
    return path


QUERIES = [
    "云帆",
    "云帆数码",
    "杭州云帆",
    "云帆数码旗舰店",
    "科技",
    "有限公司",
    "独一",
    "yunfan",
    "yf",
    "hzyf",
    "yunfan digital",
    "Yunfan Digi",
    "mumian",
    "shiguan",
    "yunfam",  # a typo
    "qinghe foods",
    "digital",
    "co 12",
]


def whoosh_scores(searcher, q: wq.Query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}


def array_scores(searcher, q: wq.Query) -> dict[int, float]:
    got: dict[int, float] = {}
    for sub, offset in searcher.leaf_searchers():
        ids, scores = bm25.scored(q, sub.reader(), searcher)
        assert np.all(np.diff(ids) > 0)  # sorted, unique
        got.update(zip((ids + offset).tolist(), scores.tolist(), strict=True))
    return got


def test_array_scores_are_whooshs(index: Path) -> None:
    ix, _ = IndexStore(index, "sellers", *_schema()).open()
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) >= 2
        deleted = searcher.reader().has_deletions()
        checked = 0
        for text in QUERIES:
            for stage in (0, TYPOS):
                for filters in ({}, {"verified": True}, {"grade": ["A", "B"]}):
                    q = seller_query(parse(text), searcher.reader(), stage)
                    flt = filter_query(filters)
                    if flt is wq.NullQuery:
                        want = whoosh_scores(searcher, q)
                    else:
                        # Whoosh's filter argument, not its Require: a RequireMatcher over
                        # an ANDMAYBE loses the optional part's score on some documents
                        # (leapfrogging skips it), so filtering would change a score.
                        want = {
                            hit.docnum: hit.score
                            for hit in searcher.search(q, limit=None, filter=flt)
                        }
                        q = wq.Require(q, flt)
                    assert bm25.supported(q), q
                    got = {d: s for d, s in array_scores(searcher, q).items()}
                    # Whoosh drops deleted documents; the arrays keep them for the caller.
                    got = {d: s for d, s in got.items() if not searcher.reader().is_deleted(d)}
                    assert got.keys() == want.keys(), (text, stage, filters)
                    for d, s in want.items():
                        assert got[d] == pytest.approx(s, rel=1e-12), (text, stage, filters, d)
                    checked += bool(want)
        assert deleted and checked > 60


def test_boosts_and_compounds_of_one(index: Path) -> None:
    ix, _ = IndexStore(index, "sellers", *_schema()).open()
    with ix.searcher() as searcher:
        grams = [wq.Term("grams", "云帆"), wq.Term("grams", "数码")]
        for q in [
            wq.Or(grams, boost=3.0),
            wq.And(grams, boost=0.5),
            wq.Or([wq.Term("grams", "云帆")], boost=5.0),  # Whoosh ignores the boost of one
            wq.AndMaybe(wq.Term("grams", "云帆", boost=2.0), wq.Term("exact", "云帆数码")),
            wq.Or([wq.And(grams), wq.Term("words", "digital", boost=4.0)]),
            wq.Term("grams", "nothing-like-this"),
            wq.Term("no_such_field", "x"),
            wq.NullQuery,
        ]:
            want = whoosh_scores(searcher, q)
            got = {
                d: s
                for d, s in array_scores(searcher, q).items()
                if not searcher.reader().is_deleted(d)
            }
            assert got.keys() == want.keys(), q
            assert all(got[d] == pytest.approx(s, rel=1e-12) for d, s in want.items()), q


def test_unknown_shapes_are_not_claimed(index: Path) -> None:
    assert not bm25.supported(wq.Prefix("words", "yun"))
    assert not bm25.supported(wq.Or([wq.Term("grams", "云帆"), wq.FuzzyTerm("words", "yunfam")]))
    ix, _ = IndexStore(index, "sellers", *_schema()).open()
    with ix.searcher() as searcher, pytest.raises(TypeError):
        bm25.scored(wq.Prefix("words", "yun"), searcher.leaf_searchers()[0][0].reader(), searcher)


def test_searcher_ranks_small_results_as_whoosh_does(index: Path) -> None:
    """The page a consumer sees: the same sellers, in the same order, with the same scores."""
    s = SellerSearcher(index)
    ix, _ = IndexStore(index, "sellers", *_schema()).open()
    with ix.searcher() as searcher:
        checked, paged = 0, 0
        for text in ["杭州云帆数码", "yunfan digital", "独一", "qinghe foods", "云帆数码旗舰店"]:
            q = seller_query(parse(text), searcher.reader())
            if q.estimate_size(searcher.reader()) > s.walk_above:
                continue  # ranked in tiers, not by score
            want = [(hit["id"], hit.score) for hit in searcher.search(q, limit=None)]
            checked += 1
            paged += len(want) > 10
            for page in (1, 2):
                got = s.search(text, page=page, per_page=10)
                assert got.exact_total and got.total == len(want)
                expected = want[(page - 1) * 10 : page * 10]
                assert got.ids == [i for i, _ in expected], text
                assert [h.score for h in got.hits] == pytest.approx([x for _, x in expected])
        assert checked >= 3 and paged >= 1  # several queries, and a second page among them


def _schema() -> tuple:
    from search.engine.schema import SCHEMA_VERSION, seller_schema

    return seller_schema, SCHEMA_VERSION


def test_a_filter_does_not_change_a_score(index: Path) -> None:
    s = SellerSearcher(index)
    every = {h.seller_id: h.score for h in s.search("云帆数码", per_page=100).hits}
    verified = s.search("云帆数码", per_page=100, filters={"verified": True}).hits
    assert verified and all(every[h.seller_id] == h.score for h in verified)

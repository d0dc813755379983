"""Complaint and fraud-report narratives: which sellers do matching reports name?"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from search import NarrativeIndex, NarrativeSearcher, QueryError

from .conftest import review_rows


def test_chinese_word_names_the_sellers_with_counts(narrative_index: Path) -> None:
    res = NarrativeSearcher(narrative_index).search("定金")
    assert res.ids == ["s1"]
    assert res.sellers[0].count == 2 and res.total == 2
    assert set(res.sellers[0].report_ids) == {"h1", "h2"}
    assert all("<mark" in snippet and "定金" in snippet for snippet in res.sellers[0].snippets)


def test_english_word_matches_its_inflections(narrative_index: Path) -> None:
    res = NarrativeSearcher(narrative_index).search("deposit")
    assert res.ids == ["s2"] and res.sellers[0].count == 2


def test_every_word_must_be_in_a_report(narrative_index: Path) -> None:
    searcher = NarrativeSearcher(narrative_index)
    assert searcher.search("定金").total == 2
    assert searcher.search("定金 zebra").total == 0  # a word no report has: nothing, at once
    assert searcher.search("deposits deposit").ids == ["s2"]  # one term, repeated


def test_kind_filter(narrative_index: Path) -> None:
    assert NarrativeSearcher(narrative_index).search("deposit", kind="fraud").sellers[0].count == 1


def test_words_too_common_to_search_are_a_query_error(narrative_index: Path) -> None:
    with pytest.raises(QueryError):
        NarrativeSearcher(narrative_index).search("the")


def test_updates_and_deletes_apply(narrative_index: Path) -> None:
    NarrativeIndex(narrative_index).apply(
        [{"id": "h1", "seller_id": "s9", "kind": "fraud", "text": "定金被骗"}], ["h2"]
    )
    res = NarrativeSearcher(narrative_index).search("定金")
    assert res.ids == ["s9"] and res.total == 1


def test_a_searcher_opened_on_an_empty_index_sees_the_first_reports(tmp_path: Path) -> None:
    index = NarrativeIndex(tmp_path / "narratives")
    index.rebuild([])
    searcher = NarrativeSearcher(tmp_path / "narratives")
    assert searcher.search("定金").total == 0
    index.apply([{"id": "h1", "seller_id": "s1", "kind": "fraud", "text": "定金被骗"}])
    assert searcher.search("定金").ids == ["s1"]  # an empty reader cannot be refreshed


@pytest.fixture(scope="module")
def real_reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    reviews = review_rows()[:2000]
    rng = random.Random(5)
    docs = [
        {"id": f"r{i}", "seller_id": f"s{rng.randrange(60)}", "kind": "complaint", "text": text}
        for i, text in enumerate(reviews)
    ]
    path = tmp_path_factory.mktemp("reports") / "narratives"
    NarrativeIndex(path).rebuild(docs)
    return path, docs


@pytest.mark.parametrize("word", ["客服", "退货", "假货"])
def test_real_reviews_every_report_with_the_word_is_counted(real_reports, word: str) -> None:
    path, docs = real_reports
    res = NarrativeSearcher(path).search(word, limit=100)
    expected: dict[str, int] = {}
    for d in docs:
        if word in d["text"]:
            expected[d["seller_id"]] = expected.get(d["seller_id"], 0) + 1
    got = {m.seller_id: m.count for m in res.sellers}
    found = sum(got.values())
    # jieba may cut a word differently inside a longer one: most, not necessarily all
    assert found >= 0.9 * sum(expected.values())
    assert set(got) <= set(expected)
    assert all(n <= expected[s] for s, n in got.items())
    assert [m.count for m in res.sellers] == sorted((m.count for m in res.sellers), reverse=True)


def test_the_pickled_schema_names_the_tokenizer_as_indexes_on_disk_do() -> None:
    """Whoosh pickles the schema into every index: the tokenizer's name must never move."""
    import pickle

    from search.engine.schema import narrative_schema

    pickled = pickle.dumps(narrative_schema(), 2)
    assert b"search.schema" in pickled and b"JiebaTokenizer" in pickled
    assert b"search.engine" not in pickled

"""Bad input: a sensible result or a QueryError, never Whoosh's exception, never slow."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import NarrativeSearcher, QueryError, SearchResults, SellerSearcher

NASTY = [
    "AND",
    "OR",
    "NOT",
    "平安 AND 银行",
    "平安 OR",
    "NOT 平安",
    "*",
    "?",
    "平安*",
    "平?银行",
    '"',
    '"平安',
    '"平安 银行"',
    "legal_name:平安",
    ":",
    "(",
    "(平安",
    "平安)",
    "~",
    "pingan~2",
    "平安^10",
    "[a TO z]",
    "{a TO z}",
    "\\",
    "/",
    "<script>alert(1)</script>",
    "'; DROP TABLE sellers; --",
    "平" * 1000,
    "a" * 1000,
    "ab " * 400,
    "https://shop123.taobao.com/?" + "x=1&" * 300,
    "平安\x00银行",
    "\x07\x1b[31m平安",
    "平安\u200b银行",
    "\ufeff平安",
    "𠀀𠀁𠀂",
    "🙂🙂",
    "ﾍﾟｲﾝ",
    "%00%27",
    "NaN",
    "0",
    "-",
    "--",
]
EMPTY = ["", " ", "\t\n", "\u3000", "\x00\x01", "***", '"""', "（）：“”", "\u200b\ufeff"]


@pytest.mark.parametrize("text", NASTY)
def test_nasty_text_gives_results_or_a_query_error(searcher: SellerSearcher, text: str) -> None:
    started = time.monotonic()
    try:
        res = searcher.search(text)
    except QueryError as exc:
        assert str(exc)
    else:
        assert isinstance(res, SearchResults)
    assert time.monotonic() - started < 1.0


def test_query_syntax_is_ignored_not_obeyed(searcher: SellerSearcher) -> None:
    assert searcher.search("平安 AND 银行").ids == ["s1"]
    assert searcher.search("NOT 平安").ids == searcher.search("平安").ids
    assert searcher.search('"平安').ids == searcher.search("平安").ids
    assert "s1" in searcher.search("平安*").ids


@pytest.mark.parametrize("text", EMPTY)
def test_empty_queries_are_query_errors(searcher: SellerSearcher, text: str) -> None:
    with pytest.raises(QueryError):
        searcher.search(text)


@pytest.mark.parametrize("text", [None, 42, b"bytes", ["平安"]])
def test_non_text_is_a_query_error(searcher: SellerSearcher, text: object) -> None:
    with pytest.raises(QueryError):
        searcher.search(text)  # type: ignore[arg-type]


def test_a_thousand_characters_are_cut_and_reported(searcher: SellerSearcher) -> None:
    res = searcher.search("平安银行" + "股" * 996)
    assert res.truncated


def test_suggest_takes_the_same_bad_input(searcher: SellerSearcher) -> None:
    with pytest.raises(QueryError):
        searcher.suggest("*")
    with pytest.raises(QueryError):
        searcher.suggest("   ")
    with pytest.raises(QueryError):
        searcher.suggest("平安", limit=0)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=120))
def test_any_text_never_raises_anything_but_query_error(
    searcher: SellerSearcher, text: str
) -> None:
    try:
        searcher.search(text)
        searcher.suggest(text)
    except QueryError:
        pass


def test_narratives_take_bad_input_too(narrative_index) -> None:
    s = NarrativeSearcher(narrative_index)
    for text in NASTY:
        try:
            s.search(text)
        except QueryError:
            pass
    with pytest.raises(QueryError):
        s.search("")

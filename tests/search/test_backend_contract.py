"""One contract for both seller search backends: Whoosh (the embedded default) and
PostgreSQL (SEARCH_BACKEND=postgres). Each test runs once per backend; the postgres runs
skip unless TEST_DATABASE_URL names a PostgreSQL database, where each runs in a schema of
its own on a real server."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc

from search import (
    Filters,
    PostgresSellerIndex,
    PostgresSellerSearcher,
    QueryError,
    SellerIndex,
    SellerSearcher,
)
from search import text as tx

from .conftest import SAMPLE, make_seller, stock_rows
from .test_search_bad_input import EMPTY, NASTY

BACKENDS = ["whoosh", "postgres"]


def _pg_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL is not a PostgreSQL database")
    return url


class Backend:
    """An index and a searcher of one backend, fed plain seller dicts."""

    def __init__(self, name: str, index: Any, make_searcher: Any) -> None:
        self.name = name
        self.index = index
        self.make_searcher = make_searcher
        self._searcher: Any = None

    @property
    def searcher(self) -> Any:
        if self._searcher is None:
            self._searcher = self.make_searcher()
        return self._searcher

    def rebuild(self, docs: list[dict[str, Any]]) -> Any:
        self.index.rebuild(docs)
        return self.searcher

    def apply(self, docs: list[dict[str, Any]], deletes: list[str] | None = None) -> Any:
        self.index.apply(docs, deletes or [])
        return self.searcher

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()


def _whoosh(path: Path) -> Backend:
    return Backend("whoosh", SellerIndex(path), lambda: SellerSearcher(path))


def _postgres_engine() -> Iterator[Any]:
    """An engine on a fresh schema of the test database, dropped afterwards."""
    from sqlalchemy import text

    from registry.core.db import make_engine

    url = _pg_url()
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _postgres(engine: Any) -> Backend:
    index = PostgresSellerIndex(engine.raw_connection)
    index.create()
    return Backend("postgres", index, lambda: PostgresSellerSearcher(engine.raw_connection))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "whoosh":
        made = _whoosh(tmp_path / "sellers")
        yield made
        made.close()
        return
    for engine in _postgres_engine():
        made = _postgres(engine)
        yield made
        made.close()


@pytest.fixture
def searcher(backend: Backend) -> Any:
    return backend.apply(SAMPLE)


@pytest.fixture(scope="module", params=BACKENDS)
def stock(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Every real A-share short name (about 5,600 sellers), indexed once per backend."""
    rows = stock_rows()
    rng = random.Random(3)
    docs = [
        make_seller(
            f"a{code}", name, score=round(rng.uniform(0, 100), 1), grade=rng.choice(["A", "B", "C"])
        )
        for code, name in rows
    ]
    if request.param == "whoosh":
        made = _whoosh(tmp_path_factory.mktemp("stock") / "index")
        yield made.rebuild(docs), docs
        made.close()
        return
    for engine in _postgres_engine():
        made = _postgres(engine)
        yield made.rebuild(docs), docs
        made.close()


def every_id(searcher: Any, text: str, **kwargs: Any) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        res = searcher.search(text, page=page, per_page=100, **kwargs)
        ids.extend(res.ids)
        if page >= res.pages or not res.hits:
            return ids
        page += 1


# -- substrings, real names -----------------------------------------------------------
def test_exact_name_comes_first(searcher: Any) -> None:
    assert searcher.search("平安").ids[0] == "s3"


def test_substrings_find_the_seller(searcher: Any) -> None:
    assert searcher.search("三只松鼠").ids == ["s4"]
    assert searcher.search("松鼠电子").total == 1


def test_a_long_substring_must_be_contained_not_just_its_grams(backend: Backend) -> None:
    s = backend.apply([make_seller("a", "华强北数码商行"), make_seller("b", "北数码华强商行")])
    assert s.search("华强北数").ids == ["a"]


def test_a_store_name_is_searched_too(backend: Backend) -> None:
    s = backend.apply(
        [
            make_seller("long", "松鼠之家食品专营有限公司", store_names=["松鼠之家食品专营店"]),
            make_seller("store", "某某贸易有限公司", store_names=["松鼠之家"], score=1.0),
        ]
    )
    assert s.search("松鼠之家").ids[0] == "store"
    assert set(s.search("松鼠之家").ids) == {"long", "store"}


def test_a_name_is_found_without_its_bracketed_region(backend: Backend) -> None:
    s = backend.apply([make_seller("y", "云帆（杭州）文化创意有限公司")])
    assert s.search("云帆文化").ids == ["y"]
    assert s.search("杭州云帆").ids == ["y"]


def test_traditional_characters_find_simplified_names(backend: Backend) -> None:
    s = backend.apply([make_seller("t", "长城汽车股份有限公司")])
    assert s.search("長城汽車").ids == ["t"]


def test_real_names_are_found_by_their_substrings(stock) -> None:
    searcher, docs = stock
    missed = []
    for doc in random.Random(1).sample(docs, 60):
        name = doc["legal_name"]
        for size in (2, 3, 4):
            for start in range(len(name) - size + 1):
                query = name[start : start + size]
                if len(tx.normalize(query)) < 2:
                    continue
                if doc["id"] not in every_id(searcher, query):
                    missed.append((query, name))
    assert missed == []


def test_real_names_rank_first_by_their_whole_name(stock) -> None:
    searcher, docs = stock
    wrong = [
        doc["legal_name"]
        for doc in random.Random(2).sample(docs, 100)
        if doc["id"] not in searcher.search(doc["legal_name"], per_page=10).ids[:3]
    ]
    assert wrong == []


def test_real_names_are_found_by_pinyin_initials(stock) -> None:
    searcher, docs = stock
    missed = []
    for doc in random.Random(4).sample(docs, 40):
        name = tx.normalize(doc["legal_name"])
        if not tx.has_han(name) or not name.isalnum():
            continue
        _, initials = tx.pinyin_parts(name)
        letters = "".join(initials)
        if not letters.isascii() or len(letters) < 2:
            continue
        if doc["id"] not in every_id(searcher, letters):
            missed.append((letters, doc["legal_name"]))
    assert missed == []


# -- pinyin, initials, typos --------------------------------------------------------------
def test_full_pinyin_without_an_ime(searcher: Any) -> None:
    assert "s1" in searcher.search("pinganyinhang").ids
    assert searcher.search("sanzhisongshu").ids == ["s4"]


def test_unfinished_pinyin_still_matches(searcher: Any) -> None:
    assert searcher.search("sanzhison").ids == ["s4"]


def test_pinyin_initials(searcher: Any) -> None:
    assert searcher.search("szss").ids == ["s4"]
    assert "s1" in searcher.search("payh").ids


def test_english_names_prefixes_and_typos(searcher: Any) -> None:
    assert searcher.search("Squirrels").ids == ["s4"]
    assert searcher.search("squir").ids == ["s4"]  # still typing
    assert searcher.search("squirels").ids == ["s4"]  # a letter left out
    assert searcher.search("Xiaomo").ids == ["s2"]  # a letter wrong
    assert searcher.search("sqiurrels").ids == ["s4"]  # two letters swapped


def test_pinyin_typo(searcher: Any) -> None:
    assert "s5" in searcher.search("huaqiangbi").ids


def test_a_word_with_no_neighbour_finds_nothing(searcher: Any) -> None:
    assert searcher.search("zzyzx").total == 0


# -- codes, domains, URLs -------------------------------------------------------------------
def test_codes_domains_and_shop_urls(searcher: Any) -> None:
    assert searcher.search("91440300190346175T").ids == ["s1"]
    assert searcher.search("pingan.com").ids == ["s1"]
    assert searcher.search("https://www.mi.com/shop?x=1").ids == ["s2"]
    assert searcher.search("https://shop123.taobao.com/?spm=a1z10").ids == ["s4"]
    assert searcher.search("https://mall.jd.com/index-1000.html?from=x").ids == ["s4"]
    assert searcher.search("https://mall.jd.com/index-2000.html").total == 0
    assert searcher.search("mall.jd.com").total == 0  # a marketplace's host is everyone's


def test_a_generated_credit_code_is_found(backend: Backend) -> None:
    code = "91330100MA27" + "X1Y2Q"
    code += uscc.calc_check_digit(code)
    s = backend.apply([make_seller("c", "信用代码测试商行", codes=[code])])
    assert s.search(code.lower()).ids == ["c"]
    assert s.search(code).ids == ["c"]


# -- filters, facets, paging ----------------------------------------------------------------
def test_filters(searcher: Any) -> None:
    assert set(searcher.search("平安", filters={"verified": True}).ids) == {"s1"}
    assert set(searcher.search("有限", filters=Filters(province="浙江")).ids) == {"s4"}
    assert set(searcher.search("有限", filters={"grade": ["A", "A+"]}).ids) == {"s1", "s2"}
    assert searcher.search("平安", filters={"city": "北京"}).total == 0
    with pytest.raises(QueryError, match="unknown filter"):
        searcher.search("平安", filters={"colour": "red"})


def test_facets_count_the_whole_filtered_result(searcher: Any) -> None:
    res = searcher.search("有限", facets=("grade", "province", "verified"), per_page=1)
    assert res.total == 3 and len(res.hits) == 1 and res.exact_total
    assert res.facets["grade"] == {"A+": 1, "A": 1, "B": 1}
    assert res.facets["province"] == {"广东": 1, "北京": 1, "浙江": 1}
    assert res.facets["verified"] == {"true": 3}
    filtered = searcher.search("有限", filters={"province": "广东"}, facets=("grade", "city"))
    assert filtered.facets == {"grade": {"A+": 1}, "city": {"深圳": 1}}
    with pytest.raises(QueryError, match="unknown facet"):
        searcher.search("有限", facets=("colour",))


def test_nothing_found_has_empty_facets(searcher: Any) -> None:
    res = searcher.search("不存在的名字", facets=("grade",))
    assert res.total == 0 and res.facets == {"grade": {}}


def test_pages_cover_every_match_once(backend: Backend) -> None:
    docs = [make_seller(f"p{i:03d}", f"翻页测试{i}号商行", score=float(i % 13)) for i in range(230)]
    docs.append(make_seller("exact", "翻页测试"))
    s = backend.apply(docs)
    first = s.search("翻页测试", per_page=20)
    assert first.total == 231 and first.pages == 12 and first.ids[0] == "exact"
    seen = every_id(s, "翻页测试")
    assert len(seen) == len(set(seen)) == 231
    assert s.search("翻页测试", page=13, per_page=20).hits == ()
    for kwargs in ({"page": 0}, {"per_page": 0}, {"per_page": 1000}, {"page": "2"}):
        with pytest.raises(QueryError):
            s.search("翻页测试", **kwargs)


# -- bad queries ----------------------------------------------------------------------------
@pytest.mark.parametrize("text", NASTY)
def test_nasty_text_gives_results_or_a_query_error(searcher: Any, text: str) -> None:
    try:
        res = searcher.search(text)
    except QueryError:
        return
    assert res.total >= len(res.hits)


@pytest.mark.parametrize("text", [*EMPTY, None, 42])
def test_empty_or_non_text_queries_are_query_errors(searcher: Any, text: Any) -> None:
    with pytest.raises(QueryError):
        searcher.search(text)


def test_query_syntax_is_ignored_not_obeyed(searcher: Any) -> None:
    assert "s1" in searcher.search("平安 AND 银行").ids
    assert searcher.search("'; DROP TABLE search_seller; --").total >= 0
    assert "s3" in searcher.search("平安").ids  # still there


def test_a_thousand_characters_are_cut_and_reported(searcher: Any) -> None:
    assert searcher.search("平" * 1000).truncated


# -- hits, suggestions, changes --------------------------------------------------------------
def test_hits_carry_the_fields_a_result_card_shows(searcher: Any) -> None:
    hit = searcher.search("三只松鼠").hits[0]
    assert hit.highlights["legal_name"] == "杭州<mark>三只松鼠</mark>电子商务有限公司"
    assert hit.fields["grade"] == "B" and hit.fields["verified"] is True
    assert hit.fields["store_names"] == ("三只松鼠旗舰店",)
    assert hit.fields["score"] == 70.0
    assert "readings" not in hit.fields


def test_suggest_completes_names_and_pinyin(searcher: Any) -> None:
    assert [s.text for s in searcher.suggest("三只")] == ["三只松鼠旗舰店"]
    assert [s.seller_id for s in searcher.suggest("平安")] == ["s1", "s3"]
    assert [s.seller_id for s in searcher.suggest("xiaom")] == ["s2"]
    assert {s.seller_id for s in searcher.suggest("hz")} == {"s4"}
    assert searcher.suggest("pingan.com") == []
    with pytest.raises(QueryError):
        searcher.suggest("平安", limit=0)


def test_changes_are_seen_and_the_version_moves(backend: Backend) -> None:
    s = backend.apply(SAMPLE)
    before = s.version()
    backend.apply([make_seller("n1", "新开张商行")])
    assert s.search("新开张").ids == ["n1"]
    assert s.version() != before
    backend.apply([], ["s2"])
    assert s.search("小米").total == 0
    backend.apply([make_seller("s4", "杭州三只松鼠电子商务有限公司", grade="A")])
    assert s.search("三只松鼠", filters={"grade": "A"}).ids == ["s4"]


def test_a_rebuild_replaces_everything(backend: Backend) -> None:
    s = backend.apply(SAMPLE)
    backend.rebuild([make_seller("r1", "重建后的商行")])
    assert s.search("重建").ids == ["r1"]
    assert s.search("平安").total == 0


def test_a_bad_document_is_refused(backend: Backend) -> None:
    with pytest.raises(ValueError):
        backend.apply([{"id": "", "legal_name": "空"}])


def test_quotes_and_backslashes_in_a_shop_url_are_plain_characters(backend: Backend) -> None:
    url = "https://shop.example.com/it's\\odd?shopid=7'1"
    s = backend.apply([make_seller("q", "引号测试商行", store_urls=[url])])
    assert s.search(url).ids == ["q"]
    assert s.search("https://shop.example.com/it's\\odd?shopid=7").total == 0

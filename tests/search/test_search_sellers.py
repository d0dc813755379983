"""Seller search: ranking, pinyin, typos, prefixes, filters, facets, highlights, paging."""

from __future__ import annotations

from pathlib import Path

import pytest
from stdnum.cn import uscc

from search import Filters, QueryError, SellerIndex, SellerSearcher
from search import sellers as sellers_module

from .conftest import make_seller


def test_exact_name_comes_first(searcher: SellerSearcher) -> None:
    assert searcher.search("平安").ids[0] == "s3"  # legal name 平安 exactly


def test_exact_store_name_comes_first(index_path: Path) -> None:
    SellerIndex(index_path).apply(
        [
            make_seller(
                "long", "松鼠之家食品专营有限公司", store_names=["松鼠之家食品专营店"], score=99.0
            ),
            make_seller("store", "某某贸易有限公司", store_names=["松鼠之家"], score=1.0),
        ]
    )
    assert SellerSearcher(index_path).search("松鼠之家").ids[0] == "store"


def test_substring_finds_the_seller(searcher: SellerSearcher) -> None:
    assert searcher.search("三只松鼠").ids == ["s4"]
    assert searcher.search("松鼠电子").total == 1  # across the brand and the trade


def test_a_long_substring_must_be_contained_not_just_its_grams(index_path: Path) -> None:
    SellerIndex(index_path).apply(
        [make_seller("a", "华强北数码商行"), make_seller("b", "北数码华强商行")]
    )
    assert SellerSearcher(index_path).search("华强北数").ids == ["a"]


def test_full_pinyin_without_an_ime(searcher: SellerSearcher) -> None:
    assert "s1" in searcher.search("pinganyinhang").ids
    assert searcher.search("sanzhisongshu").ids == ["s4"]


def test_pinyin_initials(searcher: SellerSearcher) -> None:
    assert searcher.search("szss").ids == ["s4"]
    assert "s1" in searcher.search("payh").ids


def test_unfinished_pinyin_still_matches(searcher: SellerSearcher) -> None:
    assert searcher.search("sanzhison").ids == ["s4"]


def test_english_name_and_typo(searcher: SellerSearcher) -> None:
    assert searcher.search("Squirrels").ids == ["s4"]
    assert searcher.search("squirels").ids == ["s4"]  # one deletion
    assert searcher.search("Xiaomo").ids == ["s2"]  # one substitution


def test_pinyin_typo(searcher: SellerSearcher) -> None:
    assert "s5" in searcher.search("huaqiangbi").ids


def test_english_prefix_for_autocomplete(searcher: SellerSearcher) -> None:
    assert searcher.search("squir").ids == ["s4"]


def test_domain_url_and_code_lookups(searcher: SellerSearcher) -> None:
    assert searcher.search("pingan.com").ids == ["s1"]
    assert searcher.search("https://www.mi.com/shop?x=1").ids == ["s2"]
    assert searcher.search("91440300190346175T").ids == ["s1"]
    assert searcher.search("https://shop123.taobao.com/?spm=a1z10").ids == ["s4"]
    assert searcher.search("https://mall.jd.com/index-1000.html?from=x").ids == ["s4"]
    assert searcher.search("https://mall.jd.com/index-2000.html").total == 0


def test_a_shared_marketplace_host_matches_no_one(searcher: SellerSearcher) -> None:
    assert searcher.search("mall.jd.com").total == 0


def test_a_generated_credit_code_is_found(index_path: Path) -> None:
    code = "91330100MA27" + "X1Y2Q"
    code += uscc.calc_check_digit(code)
    assert uscc.is_valid(code)
    SellerIndex(index_path).apply([make_seller("c", "信用代码测试商行", codes=[code])])
    assert SellerSearcher(index_path).search(code.lower()).ids == ["c"]


def test_filters(searcher: SellerSearcher) -> None:
    assert set(searcher.search("平安", filters={"verified": True}).ids) == {"s1"}
    assert set(searcher.search("有限", filters=Filters(province="浙江")).ids) == {"s4"}
    assert set(searcher.search("有限", filters={"grade": ["A", "A+"]}).ids) == {"s1", "s2"}
    assert searcher.search("平安", filters={"city": "北京"}).total == 0


def test_unknown_filter_is_a_query_error(searcher: SellerSearcher) -> None:
    with pytest.raises(QueryError, match="unknown filter"):
        searcher.search("平安", filters={"colour": "red"})


def test_facet_counts_cover_the_whole_result(searcher: SellerSearcher) -> None:
    res = searcher.search("有限", facets=("grade", "province", "verified"), per_page=1)
    assert res.total == 3 and len(res.hits) == 1
    assert res.facets["grade"] == {"A+": 1, "A": 1, "B": 1}
    assert res.facets["province"] == {"广东": 1, "北京": 1, "浙江": 1}
    assert res.facets["verified"] == {"true": 3}


def test_highlights_mark_the_matched_part(searcher: SellerSearcher) -> None:
    hit = searcher.search("三只松鼠").hits[0]
    assert hit.highlights["legal_name"] == "杭州<mark>三只松鼠</mark>电子商务有限公司"
    pinyin_hit = searcher.search("szss").hits[0]
    assert "<mark>三只松鼠</mark>" in pinyin_hit.highlights["legal_name"]


def test_pinyin_highlights_read_the_stored_syllables(
    searcher: SellerSearcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search import text as tx

    def not_at_query_time(norm: str):
        raise AssertionError(f"pinyin of {norm!r} worked out at query time")

    monkeypatch.setattr(tx, "syllables", not_at_query_time)
    hit = searcher.search("szss").hits[0]
    assert "<mark>三只松鼠</mark>" in hit.highlights["legal_name"]


def test_kept_documents_leave_the_garbage_collector_nothing_to_walk(
    searcher: SellerSearcher,
) -> None:
    """Decoded documents stay in memory (search.reading): their names are tuples and their
    pinyin text, so one collection leaves none of their values for the collector to walk
    again; lists and pairs of syllables would be walked in every full collection."""
    import gc

    from search.engine.reading import stored_fields

    s = searcher.cache.searcher()
    docs = [stored_fields(s, n) for n in range(s.doc_count_all())]
    gc.collect()
    for doc in docs:
        assert isinstance(doc["aliases"], tuple) and isinstance(doc["domains"], tuple)
        assert "codes" not in doc and "store_urls" not in doc  # found by locators, not shown
        tracked = [key for key, value in doc.items() if gc.is_tracked(value)]
        assert tracked == [], doc["id"]


def test_highlights_are_worked_out_per_field_when_asked(
    searcher: SellerSearcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    from search import highlight

    asked: list[str] = []
    real = highlight.field_highlight

    def counted(stored, parsed, key):
        asked.append(key)
        return real(stored, parsed, key)

    monkeypatch.setattr(highlight, "field_highlight", counted)
    hit = searcher.search("三只松鼠").hits[0]
    assert asked == []
    assert hit.highlights.get("legal_name") == "杭州<mark>三只松鼠</mark>电子商务有限公司"
    assert hit.highlights.get("legal_name")  # remembered
    assert asked == ["legal_name"]
    whole = dict(hit.highlights)  # the API's view: every field the query matched
    assert whole["legal_name"] == hit.highlights["legal_name"] and "aliases" not in whole
    assert hit.highlights == whole and len(hit.highlights) == len(whole)
    assert "colour" not in hit.highlights


def test_highlights_escape_html(index_path: Path) -> None:
    SellerIndex(index_path).apply([make_seller("h", "<b>坏</b>名字商行")])
    hit = SellerSearcher(index_path).search("名字").hits[0]
    assert hit.highlights["legal_name"] == "&lt;b&gt;坏&lt;/b&gt;<mark>名字</mark>商行"


def test_hits_carry_stored_fields_for_result_lists(searcher: SellerSearcher) -> None:
    hit = searcher.search("小米").hits[0]
    assert hit.fields["legal_name"] == "小米科技有限责任公司"
    assert hit.fields["verified"] is True and hit.fields["grade"] == "A"


def test_paging_beyond_page_one_has_no_gaps_or_repeats(index_path: Path) -> None:
    SellerIndex(index_path).apply(
        [make_seller(f"p{i}", f"分页测试{i}号商行", score=i) for i in range(57)]
    )
    s = SellerSearcher(index_path)
    first = s.search("分页测试", per_page=10)
    assert (first.total, first.pages) == (57, 6)
    pages = [s.search("分页测试", page=n, per_page=10).ids for n in range(1, 7)]
    ids = [i for page in pages for i in page]
    assert len(ids) == len(set(ids)) == 57
    assert s.search("分页测试", page=7, per_page=10).hits == ()


def test_bad_paging_is_a_query_error(searcher: SellerSearcher) -> None:
    for kwargs in ({"page": 0}, {"per_page": 0}, {"per_page": 1000}, {"page": "2"}):
        with pytest.raises(QueryError):
            searcher.search("平安", **kwargs)  # type: ignore[arg-type]


def test_suggest_completes_names_and_pinyin(searcher: SellerSearcher) -> None:
    assert [s.text for s in searcher.suggest("三只")] == ["三只松鼠旗舰店"]
    assert [s.seller_id for s in searcher.suggest("平安")] == ["s1", "s3"]  # best score first
    assert [s.seller_id for s in searcher.suggest("xiaom")] == ["s2"]
    assert {s.seller_id for s in searcher.suggest("hz")} == {"s4"}


@pytest.fixture
def common_index(index_path: Path) -> Path:
    docs = [make_seller(f"c{i:04d}", f"常见{i}号公司", score=float(i % 97)) for i in range(2500)]
    docs.append(make_seller("exact", "公司"))
    SellerIndex(index_path).rebuild(docs)
    return index_path


def test_a_broad_term_is_scored_alone_with_exact_names_first(common_index: Path) -> None:
    s = SellerSearcher(common_index, walk_above=10**6)
    res = s.search("公司", page=3, per_page=20)
    assert res.total == 2501 and res.exact_total and len(res.hits) == 20
    assert s.search("公司").ids[0] == "exact"


def test_facets_on_a_broad_term_count_every_match(common_index: Path) -> None:
    res = SellerSearcher(common_index).search("公司", facets=("grade",))
    assert res.facets["grade"] == {"NR": 2501} and res.total == 2501


def test_common_text_is_ranked_in_tiers_and_counted_exactly(common_index: Path) -> None:
    s = SellerSearcher(common_index, walk_above=100)
    first = s.search("公司", per_page=20)
    assert first.ids[0] == "exact" and first.exact_total and first.total == 2501
    second = s.search("公司", page=2, per_page=20)
    assert len(second.hits) == 20 and not set(first.ids) & set(second.ids)
    assert s.search("公司", filters={"grade": "A"}).hits == ()  # filters still apply
    assert len(s.search("公司", filters={"grade": "NR"}).hits) == 20


def test_very_common_text_is_walked_without_counting(
    common_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sellers_module, "FACET_ABOVE", 1000)  # as if in 1,000 x more sellers
    s = SellerSearcher(common_index, walk_above=100)
    first = s.search("公司", per_page=20, facets=("grade",))
    assert first.ids[0] == "exact" and not first.exact_total and first.total >= 2501
    assert first.facets == {}  # counting would cost what the walk saves
    second = s.search("公司", page=2, per_page=20)
    assert len(second.hits) == 20 and not set(first.ids) & set(second.ids)
    assert s.search("公司", filters={"grade": "A"}).hits == ()


def test_tiers_from_arrays_rank_as_the_walk_does(
    index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = SellerIndex(index_path)
    index.rebuild(
        [make_seller(f"m{i:03d}", f"中间{i}号家居公司", grade="AB"[i % 2]) for i in range(150)]
        + [make_seller(f"s{i:03d}", f"家居{i}号商行", grade="AB"[i % 2]) for i in range(60)]
        + [make_seller("exact", "家居")]
    )
    # A second segment, and deleted documents in the first: updated and removed sellers.
    index.apply([make_seller(f"s{i:03d}", f"家居{i}号新店") for i in range(0, 60, 7)])
    index.apply([make_seller("late", "家居")] + [make_seller(f"m{i:03d}", "别的") for i in (3, 4)])
    s = SellerSearcher(index_path, walk_above=10)

    def pages(filters: dict) -> list:
        return [
            (r.ids, [h.score for h in r.hits])
            for p in (1, 2, 3, 9)
            for r in [s.search("家居", page=p, per_page=20, filters=filters)]
        ]

    for filters in ({}, {"grade": "A"}):
        tiered = pages(filters)
        monkeypatch.setattr(sellers_module, "FACET_ABOVE", 0)
        walked = pages(filters)
        monkeypatch.setattr(sellers_module, "FACET_ABOVE", 10**6)
        assert tiered == walked
    first = s.search("家居", per_page=20, facets=("grade",))
    assert first.ids[:2] == ["exact", "late"] and first.ids[2].startswith("s")
    assert first.total == 150 - 2 + 60 + 2 and first.exact_total
    assert sum(first.facets["grade"].values()) == first.total


def test_text_that_looks_like_a_code_or_domain_falls_back_to_names(index_path: Path) -> None:
    SellerIndex(index_path).apply(
        [make_seller("m", "ABC12345XYZ数码商行"), make_seller("b", "Booking.com 旅行专营店")]
    )
    s = SellerSearcher(index_path)
    assert s.search("abc12345xyz").ids == ["m"]
    assert s.search("booking.com").ids == ["b"]


def test_hits_show_every_stored_field_but_the_id_and_readings(searcher: SellerSearcher) -> None:
    from search.engine.schema import seller_schema

    stored = {name for name, field in seller_schema().items() if field.stored}
    assert stored == set(sellers_module._DISPLAY) | set(sellers_module._NOT_DISPLAYED)
    hit = searcher.search("三只松鼠").hits[0]
    assert set(hit.fields) <= set(sellers_module._DISPLAY) | {"verified"}
    assert hit.fields["verified"] is True and "readings" not in hit.fields

"""Real legal names as consumers type them: without the region, without 市/县, in the
other script, and an 18-character name that is not a credit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import SellerIndex, SellerSearcher

from .conftest import make_seller

#: 18 characters, like a credit code, but a name
EIGHTEEN = "象山蓝鲸海洋文化创意传播发展有限公司"

NAMES = [
    make_seller("bracket", "云帆（杭州）文化创意有限公司", score=50.0),
    make_seller("half", "青柚(宁波)食品有限公司", score=50.0),
    make_seller("leading", "临海市星禾服饰有限公司", score=50.0),
    make_seller("province", "浙江省杭州市橙屿茶业有限公司", score=50.0),
    make_seller("simplified", "杭州云帆数码科技有限公司", score=50.0),
    make_seller("traditional", "臺北雲帆數碼科技有限公司", score=50.0),
    make_seller("eighteen", EIGHTEEN, score=50.0),
    make_seller("other", "临海市海星渔具有限公司", score=90.0),
    make_seller("shared", "临海市云帆文化用品有限公司", score=95.0),
]


@pytest.fixture
def names(index_path: Path):
    SellerIndex(index_path).apply(NAMES)
    searcher = SellerSearcher(index_path)
    yield searcher
    searcher.close()


def test_an_eighteen_character_name_is_found_by_its_name(names: SellerSearcher) -> None:
    assert len(EIGHTEEN) == 18
    assert names.search(EIGHTEEN).ids[0] == "eighteen"


@pytest.mark.parametrize(
    ("query", "seller"),
    [
        ("云帆文化", "bracket"),  # the bracketed region left out
        ("云帆文化创意有限公司", "bracket"),
        ("杭州云帆文化", "bracket"),  # the region said first
        ("青柚食品", "half"),
        ("宁波青柚", "half"),
    ],
)
def test_a_name_is_found_without_its_bracketed_region(
    names: SellerSearcher, query: str, seller: str
) -> None:
    assert seller in names.search(query).ids


@pytest.mark.parametrize(
    ("query", "seller"),
    [
        ("临海星禾", "leading"),  # 临海市 without 市
        ("临海市星禾", "leading"),
        ("浙江杭州橙屿", "province"),  # 浙江省杭州市 without 省, 市
        ("杭州橙屿", "province"),
    ],
)
def test_a_name_is_found_without_the_suffix_of_its_leading_place(
    names: SellerSearcher, query: str, seller: str
) -> None:
    assert names.search(query).ids[0] == seller


@pytest.mark.parametrize(
    ("query", "seller"),
    [
        ("linhaixinghe", "leading"),
        ("lhxh", "leading"),
        ("yunfanwenhua", "bracket"),
        ("yfwh", "bracket"),
    ],
)
def test_pinyin_of_the_shorter_forms_finds_the_name(
    names: SellerSearcher, query: str, seller: str
) -> None:
    assert seller in names.search(query).ids


def test_traditional_characters_find_simplified_names_and_back(names: SellerSearcher) -> None:
    assert set(names.search("雲帆數碼").ids) == {"simplified", "traditional"}
    assert set(names.search("云帆数码").ids) == {"simplified", "traditional"}
    assert names.search("台北云帆").ids == ["traditional"]


def test_traditional_names_are_found_by_pinyin(names: SellerSearcher) -> None:
    assert "traditional" in names.search("taibeiyunfan").ids
    assert "traditional" in names.search("tbyf").ids


def test_highlights_mark_the_stored_characters(names: SellerSearcher) -> None:
    def marked(query: str, seller: str) -> str:
        [hit] = [h for h in names.search(query).hits if h.seller_id == seller]
        return hit.highlights["legal_name"]

    assert marked("雲帆", "simplified") == "杭州<mark>云帆</mark>数码科技有限公司"
    assert marked("云帆", "traditional") == "臺北<mark>雲帆</mark>數碼科技有限公司"
    assert marked("云帆文化", "bracket") == "<mark>云帆</mark>（杭州）<mark>文化</mark>创意有限公司"
    assert marked("临海星禾", "leading") == "<mark>临海</mark>市<mark>星禾</mark>服饰有限公司"
    assert marked("linhaixinghe", "leading") == "<mark>临海</mark>市<mark>星禾</mark>服饰有限公司"


def test_a_query_across_a_left_out_suffix_finds_only_longer_runs(names: SellerSearcher) -> None:
    # "海星" only spans 临海|市|星禾 once 市 is left out: it names the other seller alone.
    assert names.search("海星").ids == ["other"]


def test_the_exact_name_ranks_above_names_sharing_its_place(names: SellerSearcher) -> None:
    ids = names.search("临海市星禾服饰有限公司").ids
    assert ids[0] == "leading"
    assert names.search("临海云帆").ids[0] == "shared"
    assert names.search("云帆文化创意有限公司").ids[0] == "bracket"


def test_the_literal_name_ranks_above_a_shorter_form_of_another(index_path: Path) -> None:
    SellerIndex(index_path).apply(
        [
            make_seller("suffix", "临海市星禾服饰有限公司", score=99.0),
            make_seller("plain", "临海星禾服饰有限公司", score=1.0),
        ]
    )
    with_searcher = SellerSearcher(index_path)
    assert with_searcher.search("临海星禾服饰有限公司").ids == ["plain", "suffix"]
    assert with_searcher.search("临海市星禾服饰有限公司").ids[0] == "suffix"


def test_one_character_still_finds_nothing_new(names: SellerSearcher) -> None:
    # The left-out suffix itself is no query: 市 is found in the names that have it.
    assert set(names.search("市").ids) <= {"leading", "province", "other", "shared"}

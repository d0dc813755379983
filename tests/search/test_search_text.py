"""Analysis of names and queries: normalisation, n-grams, pinyin, locators."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from search import forms
from search import text as tx
from search.documents import seller_document
from search.query import parse

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80)
NAME_CHARS = st.one_of(CJK, st.sampled_from("abcxyz019 ·-（）Ａ"))


def test_normalize_folds_width_case_spaces_and_punctuation() -> None:
    assert tx.normalize("万  科Ａ") == "万科a"
    assert tx.normalize("*ST大集") == "st大集"
    assert tx.normalize("Ping An Bank Co., Ltd.") == "pinganbankcoltd"


def test_normalize_with_map_points_back_into_the_original() -> None:
    norm, where = tx.normalize_with_map("万  科Ａ")
    assert norm == "万科a"
    assert where == (0, 3, 4)


def per_character_nfkc(text: str) -> None:
    out, where = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).lower():
            if c.isalnum():
                out.append(c)
                where.append(i)
    assert tx.normalize_with_map(text) == (tx.simplify("".join(out)), tuple(where))


@given(
    st.text(
        st.one_of(st.characters(), st.sampled_from("ＡＢ１ﬁÅ\u0301e\u212bΣİǅ①㈱万科")), max_size=12
    )
)
def test_normalize_with_map_is_per_character_nfkc(text: str) -> None:
    per_character_nfkc(text)


@given(st.text(st.characters(categories=["Lu", "Ll", "Lt", "Lo", "Nd", "No"]), max_size=12))
def test_normalize_with_map_of_letters_and_digits_only(text: str) -> None:
    """Most names are letters and digits only (a shortcut takes them): the same answer."""
    per_character_nfkc(text)


@given(st.text(NAME_CHARS, min_size=2, max_size=30), st.data())
def test_every_substring_query_only_needs_grams_the_name_has(
    name: str, data: st.DataObject
) -> None:
    """Recall by construction: the grams a substring is searched by are grams of the name."""
    norm = tx.normalize(name)
    if len(norm) < 2:
        return
    start = data.draw(st.integers(0, len(norm) - 2))
    end = data.draw(st.integers(start + 2, len(norm)))
    needed = set(tx.query_grams(norm[start:end], cap=16))
    assert needed <= set(tx.name_grams(norm))


def test_query_grams_are_capped_and_keep_both_ends() -> None:
    grams = tx.query_grams("一二三四五六七八九十甲乙丙丁戊己庚辛壬癸子丑寅卯", cap=5)
    assert len(grams) <= 5
    assert grams[0] == "一二三"[: tx.MAX_GRAM] and grams[-1].endswith("卯")


def test_pinyin_tokens_cover_syllable_runs_and_initials() -> None:
    norm = tx.normalize("平安银行")
    tokens = set(tx.pinyin_tokens(norm))
    assert {"ping", "pingan", "yinhang"} <= tokens
    assert tx.START + "ping" in tokens
    initials = set(tx.initials_tokens(norm))
    assert {"pa", "ay", "yh"} <= initials


def test_pinyin_uses_phrase_readings() -> None:
    full, initials = tx.pinyin_parts(tx.normalize("重庆银行"))
    assert full == ["chong", "qing", "yin", "hang"]
    assert initials == ["c", "q", "y", "h"]


def test_pinyin_by_cached_words_reads_as_lazy_pinyin() -> None:
    """Real company names and review prose (polyphones in context): the same readings."""
    from pypinyin import lazy_pinyin

    from tests.search.conftest import review_rows, stock_rows

    texts = [name for _, name in stock_rows()] + review_rows()[:2000]
    runs = {m.group("han") for t in texts for m in tx._RUNS.finditer(t) if m.group("han")}
    assert len(runs) > 5000
    differ = [run for run in runs if tx._pinyin(run) != tuple(lazy_pinyin(run, errors=list))]
    assert differ == []


def test_latin_runs_stay_whole_in_pinyin() -> None:
    full, _ = tx.pinyin_parts(tx.normalize("TCL科技"))
    assert full == ["tcl", "ke", "ji"]


def test_packed_syllables_read_back_the_same() -> None:
    for name in ("TCL科技", "青岛岚山母婴用品", "3M中国", "abc", ""):
        parts = tx.syllables(tx.normalize(name))
        packed = tx.pack_syllables(parts)
        assert isinstance(packed, str)
        assert tx.unpack_syllables(packed) == parts
    assert tx.pack_syllables([("tcl", 3), ("ke", 1)]) == "tcl/3 ke"


@given(st.text(alphabet="云帆abcXYZ019岚山　-·", max_size=12))
def test_packed_syllables_round_trip_any_name(name: str) -> None:
    parts = tx.syllables(tx.normalize(name))
    assert tx.unpack_syllables(tx.pack_syllables(parts)) == parts


def test_segment_pinyin_prefers_fewest_syllables() -> None:
    assert tx.segment_pinyin("xian")[0] == (["xian"], "")
    assert (["xi", "an"], "") in tx.segment_pinyin("xian")


def test_segment_pinyin_keeps_an_unfinished_last_syllable() -> None:
    assert tx.segment_pinyin("sanzhison")[0] == (["san", "zhi"], "son")


def test_segment_pinyin_gives_up_on_non_pinyin() -> None:
    assert tx.segment_pinyin("qwrty") == []


def test_segment_pinyin_is_bounded_on_long_ambiguous_input() -> None:
    assert len(tx.segment_pinyin("xian" * 40)) <= 3


def test_locator_tokens_of_shared_marketplace_hosts_name_the_shop() -> None:
    assert tx.locator_tokens("https://shop123.taobao.com/index.htm") == ["shop123.taobao.com"]
    assert tx.locator_tokens("https://mall.jd.com/index-1000.html") == [
        "mall.jd.com/index-1000.html"
    ]
    assert tx.locator_tokens("https://shop.jd.com/?shopId=1000&spm=x") == [
        "shop.jd.com?shopid=1000"
    ]
    assert tx.locator_tokens("https://www.Example.com/") == ["example.com"]


def test_locator_candidates_of_a_pasted_url_include_the_indexed_token() -> None:
    pasted = "https://shop.jd.com/?spm=abc&shopId=1000"
    assert "shop.jd.com?shopid=1000" in tx.locator_candidates(pasted)


def test_host_of_rejects_what_is_not_a_domain() -> None:
    assert tx.host_of("平安银行") is None
    assert tx.host_of("3.5") is None
    assert tx.host_of("例子.中国") == "xn--fsqu00a.xn--fiqs8s"


def test_parse_treats_query_syntax_as_plain_text() -> None:
    parsed = parse('平安 AND 银行* OR "name:x" NOT (y~)')
    assert parsed.segments == ("平安", "银行", "name", "x", "y")


def test_parse_caps_the_searched_text() -> None:
    parsed = parse("平安" * 500)
    assert len(parsed.norm) <= 64 and parsed.truncated


# -- traditional characters ----------------------------------------------------
HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)


def test_traditional_characters_fold_to_simplified_ones() -> None:
    assert tx.normalize("臺北雲帆數碼（杭州）") == "台北云帆数码杭州"
    assert parse("雲帆 數碼").segments == ("云帆", "数码")
    assert tx.normalize("杭州云帆数码") == "杭州云帆数码"  # simplified text stays as it is


@given(st.text(HAN, max_size=12), st.text(HAN, max_size=12), st.text(HAN, max_size=12))
def test_folding_keeps_length_and_every_part_of_a_name(a: str, b: str, c: str) -> None:
    """One character for one: a name's folded form holds the folded form of each part."""
    whole = tx.simplify(a + b + c)
    assert len(whole) == len(a + b + c)
    assert tx.simplify(b) in whole


def test_a_name_is_read_aloud_as_its_simplified_phrase() -> None:
    assert tx.normalize_and_spoken("長城汽車") == ("长城汽车", "长城汽车")  # chang cheng
    assert tx.normalize_and_spoken("乾元") == ("干元", "乾元")  # 乾 is not read as 干 (gan)


# -- shorter forms of legal names ------------------------------------------------
def _forms(name: str) -> list[str]:
    norm = tx.normalize(name)
    return [forms.form_text(norm, f) for f in forms.shorter_forms(name)]


def test_forms_leave_out_brackets_and_say_a_bracketed_place_first() -> None:
    assert _forms("云帆（杭州）文化创意有限公司") == [
        "云帆文化创意有限公司",
        "杭州云帆文化创意有限公司",
    ]
    assert _forms("某某【中国】有限公司") == ["某某有限公司"]  # 中国 is no division


def test_forms_leave_out_the_suffixes_of_leading_places() -> None:
    assert _forms("临海市星禾服饰有限公司") == ["临海星禾服饰有限公司"]
    assert _forms("浙江省杭州市橙屿茶业") == ["浙江杭州橙屿茶业"]
    assert _forms("广西壮族自治区南宁市青柚") == ["广西南宁青柚"]
    assert _forms("东方市场管理有限公司") == []  # 东方市 is a place, but this is 市场
    assert _forms("星禾临海市服饰") == []  # only a leading place
    assert _forms("Yunfan (HK) Ltd") == []


@given(
    st.sampled_from(["云帆（杭州）文化创意", "临海市星禾服饰", "浙江省杭州市橙屿茶业"]), st.data()
)
def test_every_substring_of_a_form_is_found_by_grams_the_document_has(
    name: str, data: st.DataObject
) -> None:
    doc = seller_document({"id": "x", "legal_name": name})
    for form in _forms(name):
        start = data.draw(st.integers(0, len(form) - 3))
        end = data.draw(st.integers(start + 3, len(form)))
        assert set(tx.query_grams(form[start:end], cap=16)) <= set(doc["grams"])

"""Typo tolerance by generated spellings: the same terms as a walk of the term dictionary."""

from __future__ import annotations

from pathlib import Path

from whoosh.support.levenshtein import damerau_levenshtein

from search import SellerIndex, SellerSearcher, fuzzy
from search import text as tx
from tests.search.conftest import make_seller


def test_edits1_is_every_spelling_one_edit_away_with_the_first_letter_kept() -> None:
    word = "yunfan"
    edits = fuzzy.edits1(word)
    assert len(edits) == len(set(edits)) and word not in edits
    assert {"yunfn", "yunfana", "yunfen", "yufnan", "yunfa"} <= set(edits)
    assert all(e[0] == "y" and damerau_levenshtein(e, word) == 1 for e in edits)
    # every such string over the alphabet, by brute force over short words
    for w in ("ab", "xyz"):
        alphabet = fuzzy.ALPHABET
        brute = {
            w[0] + rest
            for rest in _strings(alphabet, len(w) - 2, len(w))
            if damerau_levenshtein(w[0] + rest, w) == 1
        }
        assert set(fuzzy.edits1(w)) == brute


def _strings(alphabet: str, low: int, high: int) -> set[str]:
    out = {""}
    layer = {""}
    for _ in range(high):
        layer = {s + c for s in layer for c in alphabet}
        out |= layer
    return {s for s in out if max(0, low) <= len(s) <= high}


def test_reads_as_pinyin_means_one_to_three_syllables() -> None:
    assert all(fuzzy.reads_as_pinyin(s) for s in tx.SYLLABLES)
    assert fuzzy.reads_as_pinyin("yunfan") and fuzzy.reads_as_pinyin("xian")
    assert fuzzy.reads_as_pinyin("zhuangshuangchuang")
    assert not fuzzy.reads_as_pinyin("yunfanshuma")  # four syllables: longer than a py term
    assert not fuzzy.reads_as_pinyin("ngxa") and not fuzzy.reads_as_pinyin("")


def test_expand_fuzzy_finds_what_the_whoosh_walk_finds(tmp_path: Path) -> None:
    names = [
        ("a", "云帆数码", "Yunfan Digital"),
        ("b", "星禾户外", "Xinghe Outdoor"),
        ("c", "云凡商行", "Yunfen Trading"),
        ("d", "青柚家居", None),
    ]
    SellerIndex(tmp_path / "ix").rebuild(make_seller(i, n, english_name=e) for i, n, e in names)
    reader = SellerSearcher(tmp_path / "ix").cache.searcher().reader()
    for field, word in [
        ("words", "yunfam"),
        ("words", "digtal"),
        ("words", "outdor"),
        ("py", "yunfna"),
        ("py", "xinghr"),
        ("py", "qingyuo"),
        ("words", "zzzz"),
    ]:
        walked = set(
            t
            for leaf, _ in reader.leaf_readers()
            for t in leaf.terms_within(field, word, 1, prefix=1)
            if t != word
        )
        found = set(fuzzy.expand_fuzzy(reader, field, word, 99))
        # Whoosh's automaton is Levenshtein; ours also counts two letters swapped as one edit
        assert walked <= found, (field, word)
        assert all(damerau_levenshtein(t, word) == 1 for t in found), (field, word)
    assert "yunfan" in fuzzy.expand_fuzzy(reader, "words", "yunfam", 99)
    assert fuzzy.expand_fuzzy(reader, "words", "x" * 40, 99) == []

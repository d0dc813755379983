"""Terms one typo away from a word, without walking the term dictionary.

Whoosh finds such terms (FuzzyTerm) by running a Levenshtein automaton along its on-disk
term table: a seek per step, 5 ms a word and segment at 100,000 sellers, and the slowest
part of a search (the search_bench "fuzzy" row). Here the other way round: every
spelling one edit away (a letter deleted, inserted, replaced, or two swapped; the first
letter kept) is generated, a few hundred strings, and looked up:

- English words of names in a set of the segment's ``words`` terms, held in memory
  per segment (segments never change, so the set never goes stale);
- pinyin only when the spelling still reads as one to three pinyin syllables, as every
  ``py`` term does (most spellings do not), in the term dictionary itself: the ``py``
  field holds millions of runs, too many to hold in memory.
"""

from __future__ import annotations

import re
from typing import Any

from search import text as tx
from search.engine.lexicon import known_terms

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
#: fields whose terms are kept in memory per segment, for fuzzy lookups
IN_MEMORY = frozenset({"words"})
#: a word longer than this gets no typo tolerance (the candidates grow with the length)
MAX_FUZZY = 24
#: a pinyin spelling longer than this cannot be PINYIN_WINDOW syllables
MAX_PY = 6 * tx.PINYIN_WINDOW


def _trie_pattern(words: frozenset[str]) -> str:
    """A regular expression of *words* shaped as a trie: one branch per next letter, so a
    string that is not pinyin fails after a letter or two instead of after 400 tries."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)


#: a ``py`` term is a run of at most PINYIN_WINDOW syllables: no longer spelling can be one
_SYLLABLE_RUN = re.compile(f"(?:{_trie_pattern(tx.SYLLABLES)}){{1,{tx.PINYIN_WINDOW}}}")


def edits1(word: str) -> list[str]:
    """Return the distinct strings one edit from *word* that keep its first letter."""
    out: dict[str, None] = {}
    for i in range(1, len(word) + 1):
        head, tail = word[:i], word[i:]
        for c in ALPHABET:
            out[head + c + tail] = None  # insert
        if tail:
            out[head + tail[1:]] = None  # delete
            for c in ALPHABET:
                out[head + c + tail[1:]] = None  # replace
        if len(tail) > 1:
            out[head + tail[1] + tail[0] + tail[2:]] = None  # swap
    out.pop(word, None)
    return list(out)


def reads_as_pinyin(text: str) -> bool:
    """Tell whether *text* splits into 1..PINYIN_WINDOW pinyin syllables (a ``py`` term)."""
    return _SYLLABLE_RUN.fullmatch(text) is not None


def expand_fuzzy(reader: Any, field: str, word: str, cap: int) -> list[str]:
    """Return at most *cap* terms of *field* one edit from *word* (same first letter)."""
    if len(word) > MAX_FUZZY:
        return []
    if field in IN_MEMORY:
        candidates = edits1(word)
    elif len(word) > MAX_PY + 1:
        return []
    else:
        candidates = [c for c in edits1(word) if reads_as_pinyin(c)]
    return known_terms(reader, field, candidates, cap, in_memory=field in IN_MEMORY)

"""A parsed seller query as ``tsquery`` text, part for part as search.query builds it.

The same parts as the Whoosh query (exact name, substring n-grams, English words, full
pinyin and initials, locators) and the same passes (STRICT, TYPOS, INSIDE_WORDS), over
the lexemes of search.postgres.schema. Where Whoosh expands a prefix into at most 16
terms of its dictionary, a tsquery prefix (``'w:squir':*``) matches every lexeme that
starts so (a GIN index answers it); every n-gram of a segment is required, not only the
rarest four (the GIN index intersects them itself).

A query is built as a tree of nested tuples and written out once: ``None`` matches
nothing, a ``str`` is one lexeme term, ``("&", parts)`` and ``("|", parts)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

from search import fuzzy
from search import text as tx
from search.postgres.schema import lexeme
from search.query import (
    INSIDE_WORDS,
    MAX_GRAMS,
    MIN_FUZZY,
    MIN_PREFIX,
    STRICT,
    TYPOS,
    ParsedQuery,
    wants_more,
)

__all__ = ["INSIDE_WORDS", "STRICT", "TYPOS", "Node", "seller_query", "text_of", "wants_more"]

Node: TypeAlias = "None | str | tuple[str, tuple[Node, ...]]"
#: English words one typo (or, for long words, two) from a typed word: a lexicon lookup
Fuzzy = Callable[[str], list[str]]


def _quote(item: str) -> str:
    return "'" + item.replace("\\", "\\\\").replace("'", "''") + "'"


def term(field: str, token: str) -> str:
    """One lexeme, as tsquery text."""
    return _quote(lexeme(field, token))


def prefix(field: str, token: str) -> str:
    """Every lexeme of *field* that starts with *token*."""
    return _quote(lexeme(field, token)) + ":*"


def all_of(parts: Sequence[Node]) -> Node:
    kept = tuple(dict.fromkeys(p for p in parts if p is not None))
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("&", kept)


def any_of(parts: Sequence[Node]) -> Node:
    kept = tuple(dict.fromkeys(p for p in parts if p is not None))
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else ("|", kept)


def text_of(node: Node) -> str:
    """*node* as tsquery input (cast with ``::tsquery``: lexemes are taken as written)."""
    if node is None:
        raise ValueError("a query that matches nothing has no tsquery")
    if isinstance(node, str):
        return node
    op, parts = node
    return "(" + f" {op} ".join(text_of(p) for p in parts) + ")"


def substring_query(parsed: ParsedQuery) -> Node:
    """Names that contain every segment (of 2+ characters) of the query."""
    segs = [s for s in parsed.segments if len(s) >= tx.MIN_GRAM]
    if not segs:
        if len(parsed.norm) >= tx.MIN_GRAM:
            segs = [parsed.norm]
        elif parsed.norm:  # one character: names with a gram that starts with it
            return any_of([term("grams", tx.START + parsed.norm), prefix("grams", parsed.norm)])
        else:
            return None
    return all_of([all_of([term("grams", g) for g in tx.query_grams(s, MAX_GRAMS)]) for s in segs])


def words_query(parsed: ParsedQuery, typos: Fuzzy | None) -> Node:
    """English words of names: exact, the last one a prefix, or (*typos*) one typo away."""
    if not parsed.latin:
        return None
    parts: list[Node] = []
    for i, word in enumerate(parsed.segments):
        options: list[Node] = [term("words", word)]
        if typos is not None and len(word) >= MIN_FUZZY:
            options += [term("words", w) for w in typos(word)]
        if i == len(parsed.segments) - 1 and len(word) >= MIN_PREFIX:
            options.append(prefix("words", word))
        parts.append(any_of(options))
    return all_of(parts)


def full_pinyin_query(sylls: list[str], tail: str) -> Node:
    """AND the 3-syllable windows, and let the last window be a prefix (still typing)."""
    size = tx.PINYIN_WINDOW
    windows = ["".join(sylls[i : i + size]) for i in range(len(sylls) - size + 1)]
    last = "".join(sylls[-(size - 1) :] if tail else sylls[-size:]) + tail
    if not tail and len(sylls) > size:
        return all_of([term("py", w) for w in windows])
    ending = any_of([term("py", last), prefix("py", last)] if tail else [term("py", last)])
    return all_of([*(term("py", w) for w in windows if w != last), ending])


def pinyin_query(parsed: ParsedQuery, typos: Fuzzy | None) -> Node:
    """Pinyin typed without an IME: syllables (the last maybe unfinished), initials, typos."""
    typed = parsed.norm
    if not parsed.latin or not typed.isalpha() or len(typed) < MIN_PREFIX:
        return None
    initials = tx.query_grams(typed, MAX_GRAMS, tx.INITIALS_GRAM)
    options: list[Node] = [all_of([term("pyi", g) for g in initials])]
    for sylls, tail in tx.segment_pinyin(typed, limit=2):
        options.append(full_pinyin_query(sylls, tail))
    if typos is not None and len(typed) > MIN_FUZZY and len(typed) <= fuzzy.MAX_PY + 1:
        # As the Whoosh backend: pinyin runs one typo away only when no English word of a
        # name is (a brand written in pinyin is in both fields).
        if not typos(typed):
            runs = [c for c in fuzzy.edits1(typed) if fuzzy.reads_as_pinyin(c)]
            options.append(any_of([term("py", r) for r in runs]))
    return any_of(options)


def locator_query(parsed: ParsedQuery) -> Node:
    """A pasted URL, a domain or an identifier, exactly."""
    return any_of([term("locators", t) for t in parsed.locators])


def seller_query(parsed: ParsedQuery, stage: int = STRICT, typos: Fuzzy | None = None) -> Node:
    """The whole seller query of one pass (search.query.seller_query)."""
    locators = locator_query(parsed)
    if parsed.url_like:
        return locators
    inside = stage >= INSIDE_WORDS or not parsed.latin
    fuzzy_words = typos if stage >= TYPOS else None
    return any_of(
        [
            term("exact", parsed.norm) if parsed.norm else None,
            substring_query(parsed) if inside else None,
            words_query(parsed, fuzzy_words),
            pinyin_query(parsed, fuzzy_words),
            locators,
        ]
    )


def exact_query(parsed: ParsedQuery) -> Node:
    """The first tier: a name that is the text."""
    return term("exact", parsed.norm) if parsed.norm else None


def starts_query(parsed: ParsedQuery) -> Node:
    """The second tier: names that start like the text (characters, or pinyin initials)."""
    if not parsed.norm:
        return None
    parts: list[Node] = [term("grams", tx.START + parsed.norm[: tx.START_GRAM])]
    if parsed.latin and parsed.norm.isalpha():
        parts.append(term("pyi", tx.START + parsed.norm[: tx.INITIALS_GRAM]))
        parts.append(term("py", tx.START + parsed.norm))
    return any_of(parts)


def suggest_query(parsed: ParsedQuery) -> Node:
    """Names whose characters, full pinyin or initials start with the text (narrowed; each
    candidate is checked by the caller)."""
    norm = parsed.norm
    start = term("grams", tx.START + norm[: tx.START_GRAM])
    options: list[Node] = [all_of([start, substring_query(parsed)]) if len(norm) > 1 else start]
    if parsed.latin and norm.isalpha() and len(norm) >= 2:
        initials = [term("pyi", g) for g in tx.query_grams(norm, 8, tx.INITIALS_GRAM)]
        options.append(all_of([term("pyi", tx.START + norm[: tx.INITIALS_GRAM]), *initials]))
        for sylls, tail in tx.segment_pinyin(norm, limit=2):
            head = "".join(sylls[: tx.PINYIN_WINDOW])
            if len(sylls) >= tx.PINYIN_WINDOW:
                options.append(
                    all_of([term("py", tx.START + head), full_pinyin_query(sylls, tail)])
                )
            else:
                options.append(prefix("py", tx.START + head + tail))
    return any_of(options)

"""Build the seller query from user text, without Whoosh's query syntax.

User text is never handed to a QueryParser: ``AND``, ``*``, ``"`` or ``:`` are plain
characters here. The work of one query is bounded: at most MAX_QUERY_CHARS meaningful
characters, MAX_GRAMS n-gram terms and MAX_EXPANSIONS terms per prefix or fuzzy word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from search import fuzzy
from search import text as tx
from search.engine import lexicon
from search.engine.postings import total_frequency
from search.engine.queries import NOTHING, And, AndMaybe, Or, Query, Term
from search.errors import QueryError

#: raw text beyond this is cut before anything else is done with it
MAX_RAW_CHARS = 2048
#: letters and digits of a query that are searched; the rest is ignored (and reported)
MAX_QUERY_CHARS = 64
MAX_SEGMENTS = 8
MAX_GRAMS = 16
MAX_EXPANSIONS = 16
#: an AND of n-grams keeps only this many (the rarest): same recall, far less intersecting
AND_TERMS = 4
#: words shorter than this get no typo tolerance (too many neighbours)
MIN_FUZZY = 4
MIN_PREFIX = 2

EXACT_BOOST = 40.0
START_BOOST = 2.0
LOCATOR_BOOST = 100.0

_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "&&", "||", "!"})
_SPLIT = re.compile(r"[\W_]+")
_CODE = re.compile(r"^[0-9a-z]{8,30}$")


@dataclass(frozen=True)
class ParsedQuery:
    """User text reduced to what is searched."""

    text: str
    norm: str
    segments: tuple[str, ...]
    locators: tuple[str, ...]
    url_like: bool
    truncated: bool

    @property
    def latin(self) -> bool:
        """Tell whether the query is ascii letters and digits only (pinyin, English)."""
        return self.norm.isascii()


@dataclass(frozen=True)
class Shape:
    """What typed text is before it is searched: an identifier, a URL or domain, or words.

    One rule for both that ask: the search page sends an identifier or a locator to an exact
    lookup first (web/finder.py), and the seller query matches such text exactly and nothing
    else (``ParsedQuery.url_like``).
    """

    #: the text folded as identifiers are indexed, when it is one (credit code, licence no.)
    code: str | None
    #: every locator token a pasted URL or domain could have been indexed under
    locators: tuple[str, ...]
    #: match the code or the locators only: a URL with a path, a domain without Chinese
    exact_only: bool


WORDS = Shape(None, (), False)


def shape_of(text: str) -> Shape:
    """Tell what *text* looks like (never raises)."""
    if not isinstance(text, str):
        return WORDS
    return _shape(_clean(text[:MAX_RAW_CHARS]).strip())


def _shape(cleaned: str) -> Shape:
    if not cleaned or any(c.isspace() for c in cleaned):
        return WORDS
    locators = tuple(tx.locator_candidates(cleaned))
    folded = tx.code_token(cleaned)
    # A URL is not also an identifier, however many digits it has.
    identifier = not locators and _CODE.match(folded) and sum(c.isdigit() for c in folded) >= 4
    code = folded if identifier else None
    exact = code is not None or (bool(locators) and ("/" in cleaned or not tx.has_han(cleaned)))
    return Shape(code, locators, exact)


def _clean(text: str) -> str:
    # Control, format, private-use and unassigned characters become spaces.
    return "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)


def parse(text: object) -> ParsedQuery:
    """Reduce user text to normalized segments and locator candidates, or raise QueryError."""
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    return _parse(text)


@lru_cache(maxsize=256)  # a results page parses its text for sellers, then for reports
def _parse(text: str) -> ParsedQuery:
    truncated = len(text) > MAX_RAW_CHARS
    cleaned = _clean(text[:MAX_RAW_CHARS]).strip()
    if not cleaned:
        raise QueryError("the query is empty")

    shape = _shape(cleaned)
    locators = [*shape.locators, *([shape.code] if shape.code else [])]
    url_like = shape.exact_only

    # Upper-case AND/OR/NOT are query syntax elsewhere: ignore them, unless they are all there is.
    words = [w for w in cleaned.split() if w not in _OPERATORS] or cleaned.split()
    # Folded as names are (search.text.normalize): 雲帆 is searched as 云帆.
    pieces = [
        tx.simplify(p)
        for w in words
        for p in _SPLIT.split(unicodedata.normalize("NFKC", w).lower())
        if p
    ]
    segments: list[str] = []
    used = 0
    for piece in pieces:
        if used >= MAX_QUERY_CHARS or len(segments) >= MAX_SEGMENTS:
            truncated = True
            break
        take = piece[: MAX_QUERY_CHARS - used]
        truncated = truncated or len(take) < len(piece)
        segments.append(take)
        used += len(take)
    if not segments and not locators:
        raise QueryError("the query has no letters or digits to search for")
    return ParsedQuery(
        text=text[:MAX_RAW_CHARS],
        norm="".join(segments),
        segments=tuple(segments),
        locators=tuple(dict.fromkeys(locators)),
        url_like=url_like,
        truncated=truncated,
    )


# -- term expansion (capped) ----------------------------------------------------
def expand_prefix(reader: Any, field: str, prefix: str, cap: int = MAX_EXPANSIONS) -> list[str]:
    """Return at most *cap* indexed terms of *field* that start with *prefix*."""
    return lexicon.expand_prefix(reader, field, prefix, cap)


def expand_fuzzy(reader: Any, field: str, word: str, cap: int = MAX_EXPANSIONS) -> list[str]:
    """Return at most *cap* terms of *field* one edit from *word* (same first letter)."""
    return fuzzy.expand_fuzzy(reader, field, word, cap)


def any_of(field: str, terms: list[str], boost: float = 1.0) -> Query:
    if not terms:
        return NOTHING
    if len(terms) == 1:
        return Term(field, terms[0], boost=boost)
    return Or([Term(field, t) for t in terms], boost=boost)


def all_of(parts: list[Query]) -> Query:
    parts = [p for p in parts if p is not NOTHING]
    if not parts:
        return NOTHING
    return parts[0] if len(parts) == 1 else And(parts)


# -- the parts of a seller query -------------------------------------------------
def substring_query(parsed: ParsedQuery, reader: Any) -> Query:
    """Match names that contain every segment (of 2+ characters) of the query."""
    segs = [s for s in parsed.segments if len(s) >= tx.MIN_GRAM]
    if not segs:
        if len(parsed.norm) >= tx.MIN_GRAM:
            segs = [parsed.norm]
        elif parsed.norm:  # one character: names with a 2-gram starting with it
            grams = expand_prefix(reader, "grams", parsed.norm)
            return Or(
                [
                    Term("grams", tx.START + parsed.norm, boost=START_BOOST),
                    any_of("grams", grams),
                ]
            )
        else:
            return NOTHING
    return all_of(
        [
            all_of(
                [Term("grams", g) for g in rarest(reader, "grams", tx.query_grams(s, MAX_GRAMS))]
            )
            for s in segs
        ]
    )


def rarest(reader: Any, field: str, grams: list[str], keep: int = AND_TERMS) -> list[str]:
    """Keep the *keep* grams in the fewest documents: their AND has the same recall, less work."""
    if len(grams) <= keep:
        return grams
    return sorted(grams, key=lambda g: total_frequency(reader, field, g))[:keep]


def start_query(parsed: ParsedQuery) -> Query:
    """Score names that start with the query a little higher."""
    if len(parsed.norm) < tx.MIN_GRAM:
        return NOTHING
    return Term("grams", tx.START + parsed.norm[: tx.START_GRAM], boost=START_BOOST)


def words_query(parsed: ParsedQuery, reader: Any, fuzzy: bool = False) -> Query:
    """Match English words of names: exact, (last word) a prefix, or (fuzzy) one typo away."""
    if not parsed.latin:
        return NOTHING
    parts: list[Query] = []
    for i, word in enumerate(parsed.segments):
        terms = [word]
        if fuzzy and len(word) >= MIN_FUZZY:
            terms += expand_fuzzy(reader, "words", word)
        if i == len(parsed.segments) - 1 and len(word) >= MIN_PREFIX:
            terms += expand_prefix(reader, "words", word)
        parts.append(any_of("words", list(dict.fromkeys(terms))))
    return all_of(parts)


def pinyin_query(parsed: ParsedQuery, reader: Any, fuzzy: bool = False) -> Query:
    """Match pinyin typed without an IME: syllables (the last maybe unfinished), initials, typos."""
    typed = parsed.norm
    if not parsed.latin or not typed.isalpha() or len(typed) < MIN_PREFIX:
        return NOTHING
    initials = rarest(reader, "pyi", tx.query_grams(typed, MAX_GRAMS, tx.INITIALS_GRAM))
    options: list[Query] = [all_of([Term("pyi", g) for g in initials])]
    for sylls, tail in tx.segment_pinyin(typed, limit=2):
        options.append(full_pinyin_query(sylls, tail, reader))
    if fuzzy and len(typed) > MIN_FUZZY and not expand_fuzzy(reader, "words", typed):
        # Pinyin runs one typo away only when no English word of a name is: a brand written
        # in pinyin is in both fields, and each run found adds hundreds of sellers to score.
        options.append(any_of("py", expand_fuzzy(reader, "py", typed)))
    options = [o for o in options if o is not NOTHING]
    return Or(options) if len(options) > 1 else (options[0] if options else NOTHING)


def full_pinyin_query(sylls: list[str], tail: str, reader: Any) -> Query:
    """AND the 3-syllable windows, and let the last window be a prefix (still typing)."""
    size = tx.PINYIN_WINDOW
    windows = ["".join(sylls[i : i + size]) for i in range(len(sylls) - size + 1)]
    windows = rarest(reader, "py", windows)
    last = "".join(sylls[-(size - 1) :] if tail else sylls[-size:]) + tail
    if not tail and len(sylls) > size:
        return all_of([Term("py", w) for w in windows])
    ending = [last, *expand_prefix(reader, "py", last)] if tail else [last]
    return all_of(
        [
            *(Term("py", w) for w in windows if w != last),
            any_of("py", list(dict.fromkeys(ending))),
        ]
    )


def locator_query(parsed: ParsedQuery) -> Query:
    """Match a pasted URL, a domain or an identifier exactly."""
    return any_of("locators", list(parsed.locators), boost=LOCATOR_BOOST)


def wants_more(parsed: ParsedQuery) -> bool:
    """Tell whether later passes (typos, n-grams inside latin words) can find more."""
    return parsed.latin and not parsed.url_like


#: passes of a seller query, each tried only when the one before found nothing
STRICT, TYPOS, INSIDE_WORDS = 0, 1, 2


def seller_query(parsed: ParsedQuery, reader: Any, stage: int = STRICT) -> Query:
    """Return the whole seller query: exact name, substring, words, pinyin, locators.

    Latin text is first matched as words, prefixes and pinyin (STRICT); then one typo
    away (TYPOS: walks the term dictionary); then by n-grams inside latin words
    (INSIDE_WORDS: common ones like "ang" are in most English names). Chinese text
    is matched by its n-grams from the start.
    """
    locators = locator_query(parsed)
    if parsed.url_like:
        return locators
    inside = stage >= INSIDE_WORDS or not parsed.latin
    substring = substring_query(parsed, reader) if inside else NOTHING
    start = start_query(parsed)
    if substring is not NOTHING and start is not NOTHING:
        substring = AndMaybe(substring, start)
    fuzzy = stage >= TYPOS
    parts = [
        Term("exact", parsed.norm, boost=EXACT_BOOST) if parsed.norm else NOTHING,
        substring,
        words_query(parsed, reader, fuzzy),
        pinyin_query(parsed, reader, fuzzy),
        locators,
    ]
    parts = [p for p in parts if p is not NOTHING]
    if not parts:
        return NOTHING
    return parts[0] if len(parts) == 1 else Or(parts)


def filter_query(filters: dict[str, Any]) -> Query:
    """Return the filter (verified, grade, province, city, category) as a query."""
    parts: list[Query] = []
    for field, value in filters.items():
        if field == "verified":
            parts.append(Term("verified", "true" if value else "false"))
        else:
            values = [value] if isinstance(value, str) else list(value)
            parts.append(any_of(field, [str(v) for v in values]) if values else NOTHING)
    return all_of(parts)

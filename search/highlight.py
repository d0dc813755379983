"""Mark the parts of a seller's names that a query matched (HTML-escaped, <mark>)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from search import forms
from search import text as tx
from search.documents import NAME_FIELDS
from search.query import ParsedQuery

OPEN, CLOSE = "<mark>", "</mark>"
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")

Span = tuple[int, int]


def mark(text: str, spans: list[Span]) -> str:
    """Return *text* HTML-escaped with the *spans* wrapped in <mark>."""
    out: list[str] = []
    last = 0
    for start, end in _merge(spans):
        out.append(html.escape(text[last:start]))
        out.append(OPEN + html.escape(text[start:end]) + CLOSE)
        last = end
    out.append(html.escape(text[last:]))
    return "".join(out)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _runs(
    where: tuple[int, ...], form: tuple[int, ...] | range, start: int, end: int
) -> list[Span]:
    """The spans of *name* that positions form[start:end] of its normalized text cover: one
    per run of neighbouring characters (a shorter form has left something out between)."""
    spans: list[Span] = []
    first = form[start]
    for k in range(start + 1, end + 1):
        if k == end or form[k] != form[k - 1] + 1:
            spans.append((where[first], where[form[k - 1]] + 1))
            if k < end:
                first = form[k]
    return spans


def _found(
    text: str, where: tuple[int, ...], form: tuple[int, ...] | range, wanted: list[str]
) -> tuple[list[Span], int]:
    """The spans of the *wanted* segments in *text* (the characters *form* keeps), and how
    many of them it holds."""
    spans: list[Span] = []
    found = 0
    whole = type(form) is range  # the whole name: each occurrence is one run (most calls)
    for seg in wanted:
        start = text.find(seg)
        if start == -1:
            continue
        found += 1
        n = len(seg)
        while start != -1:
            if whole:
                spans.append((where[start], where[start + n - 1] + 1))
            else:
                spans.extend(_runs(where, form, start, start + n))
            start = text.find(seg, start + n)
    return spans, found


def substring_spans(name: str, segments: tuple[str, ...]) -> list[Span]:
    """Return where the normalized *segments* occur in *name* (in *name*'s indices): in the
    whole name, else in the shorter form of it (search.forms) that holds the most of them."""
    norm, where = tx.normalize_with_map(name)
    wanted = [s for s in segments if s and (len(s) >= tx.MIN_GRAM or len(segments) == 1)]
    best, best_found = _found(norm, where, range(len(norm)), wanted)
    if best_found == len(wanted) or all(s.isascii() for s in wanted):
        return best  # a shorter form leaves out Chinese characters only
    for form in forms.cached_forms(name):
        spans, found = _found(forms.form_text(norm, form), where, form, wanted)
        if found > best_found:
            best, best_found = spans, found
            if found == len(wanted):
                break
    return best


def pinyin_spans(name: str, typed: str, readings: Mapping[str, str] | None = None) -> list[Span]:
    """Return the characters of *name* whose pinyin (full or initials) starts with *typed*
    (in the whole name, else in a shorter form of it).

    *readings* are the syllables stored at index time, packed (text.pack_syllables):
    pypinyin is slow at query time.
    """
    norm, where = tx.normalize_with_map(name)
    if not tx.has_han(norm):
        return []
    packed = (readings or {}).get(norm)
    parts = tx.unpack_syllables(packed) if packed else tx.syllables(norm)
    found = _pinyin_spans(where, range(len(norm)), parts, typed)
    for form in () if found else forms.cached_forms(name):
        found = _pinyin_spans(where, form, forms.form_parts(parts, form, norm)[0], typed)
        if found:
            break
    return found


def _pinyin_spans(
    where: tuple[int, ...],
    form: tuple[int, ...] | range,
    parts: list[tuple[str, int]],
    typed: str,
) -> list[Span]:
    found = _pinyin_run(parts, typed)
    if found is None:
        return []
    offsets = [0]
    for _, n in parts:
        offsets.append(offsets[-1] + n)
    return _runs(where, form, offsets[found[0]], offsets[found[1]])


def _pinyin_run(parts: list[tuple[str, int]], typed: str) -> tuple[int, int] | None:
    """The first run parts[i:j] whose syllables or initials start with *typed*: (i, j)."""
    full, initials = tx.full_and_initials(parts)
    # What is typed lies within the run of syllables (or of initials) it starts in: a name
    # where it lies in neither is passed over without trying each place to start.
    if typed not in "".join(full) and typed not in "".join(initials):
        return None
    for i in range(len(parts)):
        for pieces in (full, initials):
            covered, used = 0, 0
            for piece in pieces[i:]:
                rest = typed[used:]
                if not rest:
                    break
                if not (rest.startswith(piece) or piece.startswith(rest)):
                    covered = 0
                    break
                used += min(len(piece), len(rest))
                covered += 1
            if covered and used == len(typed):
                return i, i + covered
    return None


def within_one_edit(a: str, b: str) -> bool:
    """Tell whether *a* and *b* differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :] or (
            a[i : i + 2] == b[i : i + 2][::-1] and a[i + 2 :] == b[i + 2 :]
        )
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[i + 1 :] == shorter[i:]


def word_spans(name: str, words: tuple[str, ...]) -> list[Span]:
    """Return the ascii words of *name* equal to, one typo from, or (last) starting with *words*."""
    spans: list[Span] = []
    for m in _ASCII_WORD.finditer(unicodedata.normalize("NFKC", name)):
        if len(m.group()) != m.end() - m.start():
            continue
        word = m.group().lower()
        for i, typed in enumerate(words):
            last = i == len(words) - 1
            if (
                word == typed
                or (len(typed) >= 4 and within_one_edit(word, typed))
                or (last and len(typed) >= 2 and word.startswith(typed))
            ):
                spans.append((m.start(), m.end()))
                break
    return spans if len(unicodedata.normalize("NFKC", name)) == len(name) else []


def _values(stored: Mapping[str, Any], key: str) -> list[str]:
    value = stored.get(key)
    if not value:
        return []
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def field_highlight(stored: Mapping[str, Any], parsed: ParsedQuery, key: str) -> str | None:
    """The first name of field *key* the query matched, marked; None when none matched."""
    for name in _values(stored, key):
        spans = substring_spans(name, parsed.segments)
        if not spans and parsed.latin:
            spans = word_spans(name, parsed.segments) or pinyin_spans(
                name, parsed.norm, stored.get("readings")
            )
        if spans:
            return mark(name, spans)
    return None


class Highlights(Mapping[str, str]):
    """{field: marked name} for each name field of a hit that the query matched, each
    worked out when first asked for (a results page shows two of the five fields)."""

    __slots__ = ("_stored", "_parsed", "_done")

    def __init__(self, stored: Mapping[str, Any], parsed: ParsedQuery) -> None:
        self._stored, self._parsed = stored, parsed
        self._done: dict[str, str | None] = {}

    def _get(self, key: str) -> str | None:
        try:
            return self._done[key]
        except KeyError:
            found = field_highlight(self._stored, self._parsed, key) if key in NAME_FIELDS else None
            self._done[key] = found
            return found

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The marked name of *key*, else *default* (without Mapping.get's KeyError)."""
        found = self._get(key)
        return default if found is None else found

    def __getitem__(self, key: str) -> str:
        found = self._get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return (key for key in NAME_FIELDS if self._get(key) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"Highlights({dict(self)!r})"


def highlights(stored: Mapping[str, Any], parsed: ParsedQuery) -> Highlights:
    """Return {field: marked name} for each name field of a hit that the query matched."""
    return Highlights(stored, parsed)

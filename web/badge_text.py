"""The badge's texts: cleaned of what XML forbids or disguises, measured in columns, cut to fit
(pure: no Flask, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate

# Bidi overrides could make "moc.live" read as "evil.com"; a BOM is invisible.
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def clean_text(text: str) -> str:
    """Drop characters XML 1.0 forbids or that disguise text, and collapse whitespace."""
    text = str(text)
    if text.isprintable():
        # No control, format (so no bidi override or BOM), surrogate, unassigned (so no
        # noncharacter) or separator other than the plain space: only spaces to collapse.
        return " ".join(text.split())
    kept = []
    for char in _INVISIBLE.sub("", text):
        code = ord(char)
        category = unicodedata.category(char)
        if char.isspace():
            kept.append(" ")
        elif category in ("Cc", "Cs") or (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            continue  # controls, lone surrogates and noncharacters: not allowed or not text
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


@lru_cache(maxsize=65_536)  # a name repeats the characters of the names before it
def char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Return the width of text in columns, counting wide (CJK) characters double."""
    return sum(char_width(char) for char in text)


def truncate(
    text: str, max_width: float, *, char_width: Callable[[str], float] = char_width
) -> str:
    """Shorten text to at most max_width (columns by default), ending with an ellipsis when cut."""
    return cut(text, list(accumulate(map(char_width, text))), max_width, char_width("…"))


def cut(text: str, edges: list[float], max_width: float, ellipsis: float) -> str:
    """Truncate ``text`` given ``edges[i]``, the width of ``text[: i + 1]``."""
    if (edges[-1] if edges else 0) <= max_width:
        return text
    # Keep the longest prefix that leaves room for the ellipsis (widths are never negative,
    # so the edges never decrease).
    return text[: bisect_right(edges, max_width - ellipsis)].rstrip() + "…"

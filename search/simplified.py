"""Traditional Chinese characters folded to simplified ones, one character for one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

#: the Han code points (CJK unified ideographs, extension A, compatibility, extensions B-G)
HAN_CODE_POINTS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


@dataclass(frozen=True)
class Table:
    """A traditional character's simplified form, as a dict and a str.translate table, and
    the set of traditional characters (``chars.isdisjoint(text)``: a text has none, told at
    C speed; a regular expression with this class of 5,000 characters is ten times slower)."""

    map: dict[str, str]
    translation: dict[int, str]
    chars: frozenset[str]


@lru_cache(maxsize=1)
def simplified() -> Table:
    """OpenCC's traditional-to-simplified mapping (t2s), one character for one.

    OpenCC converts phrases too (乾淨 -> 干净, but 乾隆 stays): a phrase's conversion
    depends on its neighbours, so a name's converted form need not contain the converted
    form of a part of it, and a search by n-grams needs exactly that. Read one character
    at a time (one OpenCC call over every Han code point, a line each: ~50 ms once per
    process), each conversion is a single character, so folded text keeps its length and
    highlights keep their positions.
    """
    import opencc

    chars = [chr(c) for low, high in HAN_CODE_POINTS for c in range(low, high + 1)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    mapping = {a: b for a, b in zip(chars, converted, strict=True) if a != b and len(b) == 1}
    return Table(mapping, str.maketrans(mapping), frozenset(mapping))


def simplify(text: str) -> str:
    """Return *text* with each traditional character replaced by its simplified form."""
    table = simplified()
    return text if table.chars.isdisjoint(text) else text.translate(table.translation)

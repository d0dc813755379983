"""Prepare text for scrubbing: strip invisible characters, a matching shadow, placeholders."""

from __future__ import annotations

import re
import unicodedata

from ..core.identifiers import fold_width

#: kind -> (Chinese label, English label) of its placeholder
KINDS: dict[str, tuple[str, str]] = {
    "phone": ("电话", "phone"),
    "id": ("身份证号", "ID number"),
    "card": ("银行卡号", "card number"),
    "email": ("邮箱", "email"),
    "handle": ("联系方式", "contact"),
    "name": ("姓名", "name"),
    "address": ("地址", "address"),
    "passport": ("护照号", "passport number"),
    "account": ("账号", "account number"),
    "birth": ("出生日期", "date of birth"),
    "ssn": ("社会安全号", "SSN"),
}
PLACEHOLDER = "【{}已隐去】"
PLACEHOLDER_EN = "[{} removed]"


def placeholder(kind: str, english: bool = False) -> str:
    """Return the visible, typed placeholder of ``kind``: 【电话已隐去】 or [phone removed]."""
    zh, en = KINDS[kind]
    return PLACEHOLDER_EN.format(en) if english else PLACEHOLDER.format(zh)


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Words of letters only: e-mail addresses, links, handles and model numbers say nothing of
# the language a text is written in.
_WORD = re.compile(r"(?<![\w@./\-])[A-Za-z]+(?:'[a-z]+)?(?![\w@./\-])")


def is_english(text: str) -> bool:
    """Tell whether ``text`` reads as English: fewer than one Han character per six letters.

    A Han character carries about a word, an English word about five letters; a Chinese
    complaint naming an English product stays Chinese, an English one naming a Chinese shop
    stays English. Placeholders only push a text further the way it already leans.
    """
    han = len(_HAN.findall(text))
    return han * 6 < sum(len(w) for w in _WORD.findall(text))


# Format characters that render as nothing. Joiners, variation selectors and the keycap mark
# stay after a pictograph (emoji sequences); anywhere else they only hide what they split.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u20e3\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e0fff]+"
)
_EMOJI_GLUE = frozenset("\u200d\u20e3\ufe0e\ufe0f") | {chr(c) for c in range(0xE0020, 0xE0080)}
# Combining marks drawn over digits (1̲3̲8̲) hide nothing from a reader but split the number.
_MARKS_ON_DIGITS = re.compile("(?<=[0-9\uff10-\uff19])[\u0300-\u036f\u20d0-\u20ff\ufe20-\ufe2f]+")


def _drop_invisible(match: re.Match) -> str:
    run, text, start = match.group(0), match.string, match.start()
    before = text[start - 1] if start else ""
    if before and set(run) <= _EMOJI_GLUE and unicodedata.category(before) == "So":
        return run
    if before and ord(before) >= 0x1F000 and set(run) <= _EMOJI_GLUE:
        return run
    return ""


def prepare(text: str) -> str:
    """Return ``text`` in NFC, invisible characters dropped, full-width digits, letters folded."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub(_drop_invisible, text)
    if _MARKS_ON_DIGITS.search(text):
        text = _MARKS_ON_DIGITS.sub("", text)
    return fold_width(text)


def _shadow_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Every other script's digits (Arabic-Indic, circled ①, superscript ², math 𝟙 ...).
    for start, end in ((0x80, 0x10000), (0x1D7CE, 0x1D800), (0x1F100, 0x1F10B)):
        for cp in range(start, end):
            value = unicodedata.digit(chr(cp), None)
            if value is not None:
                table[cp] = str(value)
    dashes = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d\u30fc\uff70"
    table.update({ord(c): "-" for c in dashes})
    table.update({ord(c): "." for c in "\uff0e\u00b7\u30fb\u2022\u2219\u22c5\u2027\uff65"})
    table.update({ord(c): "/" for c in "\uff0f\u2044\u2215\uff3c"})
    table.update({ord(c): "~" for c in "\uff5e\u301c\u223c"})
    table.update({ord(c): " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006"})
    table.update({ord(c): " " for c in "\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"})
    table.update({0xFF08: "(", 0xFF09: ")", 0xFF20: "@", 0xFE6B: "@", 0xFF0B: "+", 0xFE62: "+"})
    table.update({0xFF03: "#", 0xFE5F: "#"})
    return table


_SHADOW = _shadow_table()


def shadow(text: str) -> str:
    """Return ``text`` with look-alike digits, dashes, dots, slashes, spaces and '@' made ASCII.

    One character for one, so that a match in the shadow is the same span of the text.
    Chinese numerals stay: numbers.py reads them only inside a run of digits.
    """
    return text.translate(_SHADOW)

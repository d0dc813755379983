"""The complainant's own name in every form: Chinese with its surname forms, pinyin, Latin."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

HONORIFICS = ("先生", "女士", "小姐", "太太", "某某", "某")
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 令狐 轩辕 端木 "
    "独孤 南宫 西门 百里 呼延 万俟 澹台 公冶 申屠 太史 闻人 赫连 钟离 第五".split()
)

_HAN_NAME = re.compile(r"^[\u3400-\u9fff]{2,4}$")
# Readings of surnames that differ from the characters' usual ones.
_SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "乐": "yue",
    "盖": "ge",
    "缪": "miao",
    "覃": "qin",
    "翟": "zhai",
    "种": "chong",
    "秘": "bi",
    "召": "shao",
    "折": "she",
    "员": "yun",
    "尉迟": "yuchi",
    "万俟": "moqi",
    "长孙": "zhangsun",
    "柏": "bai",
    "褚": "chu",
    "车": "che",
    "纪": "ji",
    "任": "ren",
    "沈": "shen",
    "重": "chong",
}


def name_forms(name: str) -> list[str]:
    """Return the forms of ``name`` to mask: the name, and surname + 先生/女士... for Chinese."""
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if len(name.replace(" ", "")) < 2:
        return []
    forms = [name]
    if _HAN_NAME.match(name):
        forms += [_surname(name) + h for h in HONORIFICS]
    return forms


def _surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[0]


def _syllable(s: str) -> str:
    """Return a regex for one pinyin syllable, ü written as v, u, yu or ü."""
    s = s.lower()
    return re.escape(s).replace("v", "(?:v|u|yu|ü)") if "v" in s else re.escape(s)


def _latin_patterns(surname: list[str], given: list[str], initials: str) -> list[str]:
    """Return regexes of a name in Latin letters, in both orders, joined, and as initials."""
    sep = r"[\s\-_.,']{0,3}"
    s = sep.join(surname)
    g = r"[\s\-']?".join(given)
    parts = [rf"(?i:{s}[\s\-_.,]{{1,3}}{g})", rf"(?i:{g}[\s\-_.,]{{1,3}}{s})"]
    if len("".join(surname + given)) >= 6:  # "huge", "mali": joined short names are words
        parts += [rf"(?i:{s}{g})", rf"(?i:{g}{s})"]
    for ini in {initials[:1], initials} - {""}:
        # Initials are characters of the name as written ("0-[" has "["): escaped like the rest.
        ini = r"\.?\s?".join(re.escape(ch) for ch in ini) + r"\.?"
        parts += [rf"{ini}\s?(?i:{s})", rf"(?i:{s}),?\s(?:{ini})(?![A-Za-z])"]
    parts.append(rf"(?i:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Madam|Mister)\.?\s+{s})")
    return parts


def _forms_patterns(name: str) -> list[str]:
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if len(name.replace(" ", "")) < 2:
        return []
    parts = []
    for form in name_forms(name):
        if not form.isascii():
            parts.append(r"[\s·・.]?".join(re.escape(ch) for ch in form.replace(" ", "")))
    if _HAN_NAME.match(name):
        from pypinyin import lazy_pinyin

        sur = _surname(name)
        given = lazy_pinyin(name[len(sur) :])
        readings = {_SURNAME_READINGS.get(sur, ""), "".join(lazy_pinyin(sur))} - {""}
        initials = "".join(p[0].upper() for p in given if p and p[0].isalpha())
        for reading in readings:
            parts += _latin_patterns([_syllable(reading)], [_syllable(p) for p in given], initials)
    elif name.isascii():
        words = [w for w in re.split(r"[\s\-]+", name) if w]
        if len(words) == 1:
            parts.append(rf"(?i:{re.escape(words[0])})")
        elif len(words) <= 4:
            first, last = [re.escape(w) for w in words[:-1]], [re.escape(words[-1])]
            parts += _latin_patterns(last, first, "".join(w[0].upper() for w in words[:-1]))
            parts += _latin_patterns(first[:1], first[1:] + last, words[-1][0].upper())
        else:
            parts.append(r"[\s\-]+".join(re.escape(w) for w in words))
    return parts


@lru_cache(maxsize=4096)
def complainant_pattern(names: tuple[str, ...]) -> re.Pattern | None:
    """Return one regex for every form of ``names``, longest first.

    Latin forms stand on word boundaries (Zhangweixin is another word); Chinese ones need
    none, as Chinese has no spaces (王小明说).
    """
    parts = sorted({p for n in names if n for p in _forms_patterns(n)}, key=len, reverse=True)
    if not parts:
        return None
    return re.compile(
        "|".join(p if not p.isascii() else rf"(?<![A-Za-z]){p}(?![A-Za-z])" for p in parts)
    )


@lru_cache(maxsize=4096)
def _first_chars(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(n.strip()[0] for n in names if n.strip() and not n.strip()[0].isascii())


def _could_name(text: str, names: tuple[str, ...]) -> bool:
    """Tell cheaply whether ``text`` can hold a form of ``names``: every name has Latin
    forms (pinyin or as written), and a Chinese one begins with its surname."""
    return _LETTER.search(text) is not None or any(ch in text for ch in _first_chars(names))


_LETTER = re.compile("[A-Za-z]")


def complainant_spans(text: str, names: Iterable[str]) -> list[tuple[int, int, str]]:
    """Return (start, end, "name") of each form of the complainant's ``names``."""
    key = tuple(sorted({n for n in names if isinstance(n, str)}))
    if not key:
        return []
    pattern = complainant_pattern(key)
    if pattern is None or not _could_name(text, key):
        return []
    return [(m.start(), m.end(), "name") for m in pattern.finditer(text) if m.end() > m.start()]

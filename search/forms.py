"""The shorter forms of a legal name that consumers type.

A Chinese legal name is 字号(行政区划)行业组织形式 or 行政区划字号行业组织形式:
``云帆（杭州）文化创意有限公司``, ``临海市星禾服饰有限公司``. People say ``云帆文化``,
``杭州云帆``, ``临海星禾``. Each form here is the tuple of the positions of the normalized
name (text.normalize_with_map) that it keeps, in its order:

- without the bracketed parts (a region, 集团, 中国...);
- with a bracketed place said first instead (杭州云帆文化...);
- without the administrative suffix (省/市/县/区, 自治区...) of each leading place name.

Place names are the administrative divisions python-stdnum ships for credit codes
(``stdnum/cn/loc.dat``, current and former names).
"""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import numdb

from search import text as tx

#: bracket pairs of names, full-width or not, mixed as people write them
_BRACKET = re.compile(r"[(（【\[〔［]([^()（）【】\[\]〔〕［］]{1,16})[)）】\]〕］]")
_BRACKET_CHARS = frozenset("()（）【】[]〔〕［］")
#: administrative suffixes, longest first
_SUFFIX = re.compile(r"(特别行政区|自治区|自治州|自治县|自治旗|新区|地区|省|市|县|区)$")
#: words a suffix character starts (东方|市场 is no 东方市 followed by 场)
_NOT_SUFFIX = frozenset({"市场", "市政", "市民", "市容", "区块", "区域", "县域", "省心", "省钱"})
#: at most this many leading places lose their suffix (浙江省杭州市临海市...)
MAX_PLACES = 3
#: a form of fewer characters than this is no name
MIN_FORM = 2


def _short(place: str) -> str | None:
    """The place as said without its administrative suffix, or None."""
    match = _SUFFIX.search(place)
    if match is None:
        return None
    short = place[: match.start()]
    if match.group(1).startswith("自治"):
        # 广西壮族自治区 -> 广西, 长阳土家族自治县 -> 长阳: the longest ethnic word that
        # leaves a place name of two characters or more, as often as there is one.
        while True:
            cut = next(
                (
                    short[: -len(m)]
                    for n in (3, 2, 1)
                    if (m := short[-n - 1 :]).endswith("族") and len(short) - len(m) >= 2
                ),
                None,
            )
            if cut is None:
                break
            short = cut
    return short if len(short) >= MIN_FORM else None


def _names(raw: str) -> list[str]:
    # "[1983-1989]南头区办事处,[1990-]南山区": every name, without its years
    return [re.sub(r"^\[[^\]]*\]", "", part).strip() for part in raw.split(",")]


@lru_cache(maxsize=1)
def places() -> dict[str, str]:
    """{place name with its suffix: without it}, as normalize() folds them."""
    found: dict[str, str] = {}

    def walk(prefixes: list) -> None:
        for _length, _low, _high, props, children in prefixes:
            for key in ("province", "county"):
                for name in _names(props.get(key, "")):
                    if not name or any(w in name for w in ("辖", "行政区划", "办事处")):
                        continue
                    name = tx.normalize(name)
                    short = _short(name)
                    if short:
                        found.setdefault(name, short)
            walk(children)

    walk(numdb.get("cn/loc").prefixes)
    return found


@lru_cache(maxsize=1)
def _by_start() -> dict[str, tuple[tuple[str, int], ...]]:
    """{first two characters: ((place, its length without the suffix), ...), longest first},
    the places with their suffix and without."""
    found: dict[str, list[tuple[str, int]]] = {}
    for place, short in places().items():
        found.setdefault(place[:2], []).append((place, len(short)))
    for short in _shorts():
        found.setdefault(short[:2], []).append((short, len(short)))
    return {k: tuple(sorted(set(v), key=lambda p: -len(p[0]))) for k, v in found.items()}


def _place_at(text: str, start: int) -> tuple[int, int] | None:
    """(length, length without its suffix) of the longest place name at *start* of
    *text*, with its suffix (杭州市) or without (杭州); None when there is none."""
    for place, kept in _by_start().get(text[start : start + 2], ()):
        if text.startswith(place, start):
            return len(place), kept
    return None


def _without_suffixes(norm: str, keep: tuple[int, ...]) -> tuple[int, ...]:
    """*keep* without the suffix of each leading place name."""
    text = "".join(norm[i] for i in keep)
    dropped: set[int] = set()
    at = 0
    for _ in range(MAX_PLACES):
        found = _place_at(text, at)
        if found is None:
            break
        end = at + found[0]
        if text[end - 1 : end + 1] in _NOT_SUFFIX:
            break
        dropped.update(range(at + found[1], end))
        at = end
    if not dropped:
        return keep
    return tuple(i for k, i in enumerate(keep) if k not in dropped)


def _brackets(name: str, where: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The form without the bracketed parts, and the one with a bracketed place first."""
    inside: set[int] = set()
    first_place: range | None = None
    for match in _BRACKET.finditer(name):
        inside.update(range(match.start(), match.end()))
        if first_place is None and _is_place(tx.normalize(match.group(1))):
            first_place = range(match.start(1), match.end(1))
    outside = tuple(k for k, i in enumerate(where) if i not in inside)
    if first_place is None:
        return outside, ()
    said_first = tuple(k for k, i in enumerate(where) if i in first_place)
    return outside, said_first + outside


def _is_place(text: str) -> bool:
    return text in places() or text in _shorts()


@lru_cache(maxsize=1)
def _shorts() -> frozenset[str]:
    return frozenset(places().values())


def shorter_forms(name: str, norm: str | None = None) -> tuple[tuple[int, ...], ...]:
    """The shorter forms of *name*: for each, the positions of its normalized name
    (text.normalize_with_map; *norm* when the caller has it) kept, in their order."""
    if _BRACKET_CHARS.isdisjoint(name):
        norm = tx.normalize(name) if norm is None else norm
        bases: list[tuple[int, ...]] = []
    else:
        norm, where = tx.normalize_with_map(name)
        bases = [form for form in _brackets(name, where) if form]
    if (not bases and _place_at(norm, 0) is None) or not tx.has_han(norm):
        return ()  # most names: neither brackets nor a leading place
    whole = tuple(range(len(norm)))
    forms: dict[str, tuple[int, ...]] = {}
    for base in (whole, *bases):
        for form in (base, _without_suffixes(norm, base)):
            if form != whole and len(form) >= MIN_FORM:
                forms.setdefault(form_text(norm, form), form)
    forms.pop(norm, None)
    return tuple(forms.values())


@lru_cache(maxsize=1 << 15)  # each hit's names, by the highlighters in turn
def cached_forms(name: str) -> tuple[tuple[int, ...], ...]:
    """shorter_forms(), remembered."""
    return shorter_forms(name)


def form_text(norm: str, form: tuple[int, ...]) -> str:
    """The characters of *norm* that *form* keeps."""
    return "".join(norm[i] for i in form)


def form_parts(
    parts: list[tuple[str, int]], form: tuple[int, ...], norm: str
) -> tuple[list[tuple[str, int]], list[int]]:
    """The syllables of *form*, from the syllables *parts* of the whole name (no pypinyin
    call), and the places where it has left something out between two of them (a latin
    run cut in two is read again, and then every place counts)."""
    owner: list[int] = []
    for j, (_, n) in enumerate(parts):
        owner.extend([j] * n)
    out: list[tuple[str, int]] = []
    breaks: list[int] = []
    last = -1
    covered = 0
    for i in form:
        if i >= len(owner):
            break  # past the syllables indexed (MAX_PINYIN_SYLLABLES)
        covered += 1
        j = owner[i]
        if j != last:
            if j != last + 1:
                breaks.append(len(out))
            out.append(parts[j])
            last = j
    if sum(n for _, n in out) != covered:
        out = tx.syllables(form_text(norm, form))[: tx.MAX_PINYIN_SYLLABLES]
        breaks = list(range(len(out)))
    return out, breaks


def _crossing(
    items: str | list[str], breaks: list[int], size: int, low: int, high: int
) -> list[str]:
    """The runs of *size* items that hold a break (0: the start moved), and the start runs
    of low..high items that do: what a shorter form has and its whole name may not."""
    runs: list[str] = []
    done = -1  # breaks are in order: a run is taken once
    for k in breaks:
        for s in range(max(0, k - size + 1, done + 1), min(k - 1, len(items) - size) + 1):
            runs.append(_run(items, s, s + size))
            done = s
    first = breaks[0] if breaks else len(items)
    runs.extend(
        tx.START + _run(items, 0, n)
        for n in range(low, min(high, len(items)) + 1)
        if first == 0 or first < n
    )
    return runs


def _run(items: str | list[str], start: int, end: int) -> str:
    piece = items[start:end]
    return piece if isinstance(piece, str) else "".join(piece)


def form_tokens(
    norm: str, form: tuple[int, ...], parts: list[tuple[str, int]]
) -> tuple[list[str], list[str], list[str]]:
    """The grams, full-pinyin runs and initials grams that *form* adds to its whole name.

    Only the longest (MAX_GRAM characters, PINYIN_WINDOW syllables, INITIALS_GRAM letters)
    across a left-out part: shorter ones would match what the name never says
    (临海|市|星禾 has no 海星).
    """
    text = form_text(norm, form)
    breaks = [k for k in range(len(form)) if form[k] != (form[k - 1] + 1 if k else 0)]
    grams = _crossing(text, breaks, tx.MAX_GRAM, 1, tx.START_GRAM)
    if not parts:
        return grams, [], []
    syllables, part_breaks = form_parts(parts, form, norm)
    full, initials = tx.full_and_initials(syllables)
    offsets = [0]
    for piece in initials:
        offsets.append(offsets[-1] + len(piece))
    letters = "".join(initials)
    return (
        grams,
        _crossing(full, part_breaks, tx.PINYIN_WINDOW, 1, tx.PINYIN_WINDOW),
        _crossing(
            letters, [offsets[m] for m in part_breaks], tx.INITIALS_GRAM, 2, tx.INITIALS_GRAM
        ),
    )

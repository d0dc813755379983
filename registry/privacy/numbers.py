"""Find phone, resident ID, bank card, SSN and account numbers in runs of digits.

A run is digits (ASCII, any script's look-alikes, or Chinese numerals 一三八/〇/幺/壹) joined by
up to three separators (spaces, dashes of any width, dots, slashes, parentheses, '_', '~').
A run is cut into groups where a separator stands or the script changes (138一二三四5678 is
138|1234|5678). A number is a window of whole groups: a group is never split, so an order
number never yields a phone number hidden inside it. Each window is judged by its digits
and by how it is grouped: people group a mobile 3-4-4 or 4-3-4, a card in fours; prices
(13.5 18.8 19.9), dates and times grouped that way are not numbers of people.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.us import ssn

CN_DIGITS = "〇零○一二三四五六七八九幺壹贰叁肆伍陆柒捌玖"
CN_VALUE = str.maketrans(CN_DIGITS, "000123456789" + "1" + "123456789")
_SEP = r" \-./\\()_~"
_D = rf"[0-9{CN_DIGITS}]"
# At least seven digits: nothing shorter is masked. Possessive: linear on any input.
_RUN = re.compile(
    rf"(?:\+ ?)?(?<![0-9{CN_DIGITS}])(?={_D}(?:[{_SEP}]{{0,3}}+{_D}){{6}})"
    rf"{_D}+(?:[{_SEP}]{{0,3}}+{_D}+)*+(?:[Xx](?![A-Za-z0-9]))?"
)
_GROUP = re.compile(rf"[0-9]+|[{CN_DIGITS}]+|[Xx]")

# Text right before a number that says what it is (searched in the 24 characters before it).
_END = r"\s*(?:号码|号|编号|id|no\.?|number|num|#)?\s*(?:是|为|is|:|：|#|=)?\s*$"
_ORDER_LABEL = re.compile(
    r"(?:订单|单号|交易号|流水号|运单|物流单|快递单|发票|货号|型号|编号|条码|序列号|工单|"
    r"order|tracking|waybill|invoice|receipt|transaction|confirmation|reference|ref|sku|"
    r"model|serial|item|case|ticket)" + _END,
    re.IGNORECASE,
)
_PHONE_LABEL = re.compile(
    r"(?:电话|手机|座机|联系方式|来电|致电|打给|tel|phone|mobile|cell|whatsapp|"
    r"(?:call|text|reach|ring|contact)(?:\s+[A-Za-z]+){0,3}?\s+(?:at|on)|call|text)" + _END,
    re.IGNORECASE,
)
_CARD_LABEL = re.compile(
    r"(?:卡号|银行卡|信用卡|储蓄卡|借记卡|卡|card)" + _END,
    re.IGNORECASE,
)
_ACCOUNT_LABEL = re.compile(
    r"(?:账号|帐号|账户|帐户|户号|收款账|account|acct\.?|a/c|routing|sort\s+code)" + _END,
    re.IGNORECASE,
)
_ID_LABEL = re.compile(r"(?:身份证|证件|id\s*card|national\s+id|identity)" + _END, re.IGNORECASE)
_SSN_LABEL = re.compile(r"(?:ssn|ss#|social\s+security|社会安全|社保)" + _END, re.IGNORECASE)
_LABELS = (
    ("order", _ORDER_LABEL),
    ("phone", _PHONE_LABEL),
    ("card", _CARD_LABEL),
    ("account", _ACCOUNT_LABEL),
    ("id", _ID_LABEL),
    ("ssn", _SSN_LABEL),
)
_CODE_WORD = re.compile(r"[A-Za-z]+$")
_CALL_WORDS = frozenset("tel phone mobile mob cell call vx wx qq v no ph t m whatsapp".split())
_EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x)\s*[0-9]{1,6}(?![0-9])", re.IGNORECASE)

_MOBILE = re.compile(r"(0086|86)?1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"(0086|860|86|0)(10|2[0-9]|[3-9][0-9]{2})([2-9][0-9]{6,7})")
_BUSINESS = re.compile(r"(?:0086|86)?(?:[48]00[0-9]{7}|9[56][0-9]{3,6}|1[0-2][0-9]{3})")
_TOLL_FREE = frozenset({"800", "888", "877", "866", "855", "844", "833"})
_GREATER_CHINA = re.compile(r"(00)?(?:(852|853)[2-9][0-9]{7}|(886)0?[2-9][0-9]{7,8})")
_INTL_00 = re.compile(r"00(?:1|44|49|33|39|34|61|64|65|60|66|81|82|84|62|63|91|7)[0-9]{7,12}")
_CARD_PREFIX = re.compile(r"(?:3|4|5|6|9|2[2-7])")
# The lengths a number can have by its first digit, when no label or '+' says more:
# 1 mobiles and 1-NANP, 0 trunk and 00 prefixes, 8 for 86/852/853/886 and 800, others
# US numbers, SSNs, cards; 18 for IDs (which start 1-9), X ends are IDs too.
_ANY_LENGTH = frozenset(range(7, 21))
_LENGTHS = {
    "0": frozenset(range(10, 18)),
    "1": frozenset({11, 18}),
    "8": frozenset({10, 11, 12, 13, 14, 18}),
    "X": frozenset(),
}
_LENGTHS.update(dict.fromkeys("234567", frozenset({9, 10, *range(13, 20)})))
_LENGTHS["9"] = frozenset({9, 10, *range(13, 20)})
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def nsn(digits: str) -> str:
    """Return the national significant number: without '+', 00, China's 86 and trunk 0."""
    digits = digits.lstrip("+")
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("86") and len(digits) >= 12:
        digits = digits[2:]
    return digits.lstrip("0")


class _Run:
    """The groups of one run, and what a window of them needs (prefix sums for Luhn)."""

    __slots__ = ("groups", "digits", "offsets", "plus", "_luhn")

    def __init__(self, groups: list[tuple[int, int, str]], plus: bool) -> None:
        self.groups = groups
        self.digits = "".join(g[2] for g in groups)
        self.offsets = [0]
        for g in groups:
            self.offsets.append(self.offsets[-1] + len(g[2]))
        self.plus = plus
        self._luhn: tuple[list[int], list[int]] | None = None

    def lens(self, i: int, j: int) -> list[int]:
        return [len(g[2]) for g in self.groups[i : j + 1]]

    def luhn(self, i: int, j: int) -> bool:
        """Tell whether the digits of groups i..j pass Luhn, in constant time per window."""
        if self._luhn is None:
            even, odd = [0], [0]  # doubling the digits at even / at odd positions
            for p, ch in enumerate(self.digits):
                d = ord(ch) - 48 if ch != "X" else 0
                even.append(even[-1] + (_DOUBLE[d] if p % 2 == 0 else d))
                odd.append(odd[-1] + (d if p % 2 == 0 else _DOUBLE[d]))
            self._luhn = (even, odd)
        a, b = self.offsets[i], self.offsets[j + 1]
        sums = self._luhn[0] if b % 2 == 0 else self._luhn[1]
        return (sums[b] - sums[a]) % 10 == 0


def _date_shaped(lens: list[int], c: str) -> bool:
    if len(lens) != 3:
        return False
    parts, at = [], 0
    for n in lens:
        parts.append(int(c[at : at + n]))
        at += n
    if lens[0] == 4:
        y, m, d = parts
    elif lens[2] in (2, 4):
        y, m, d = parts[2], parts[0], parts[1]
        if m > 12:
            m, d = d, m
    else:
        return False
    return 1 <= m <= 12 and 1 <= d <= 31 and (y < 100 or 1900 <= y <= 2099)


def _id_shaped(c: str) -> bool:
    """Tell whether 18 characters look like a resident ID (valid or not)."""
    if c[0] == "0" or not c[:17].isdigit() or c[10] not in "01" or c[12] not in "0123":
        return False
    try:
        born = date(int(c[6:10]), int(c[10:12]), int(c[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2099


def _ric_check(c: str) -> bool:
    """Tell whether the 18th character is a resident ID's check character (ISO 7064 11-2).

    The same test as ``stdnum.cn.ric``, without its clean-up: it runs on every window.
    """
    total = sum(int(d) * w for d, w in zip(c, _RIC_WEIGHTS))
    return "10X98765432"[total % 11] == c[17]


def _mobile_grouped(c: str, lens: list[int]) -> bool:
    cc = len(c) - 11
    rest = lens
    if cc:
        if lens[0] == cc:
            rest = lens[1:]
        elif lens[0] > cc:
            rest = [lens[0] - cc, *lens[1:]]
        else:
            return False
    return len(rest) == 1 or (rest[0] >= 3 and min(rest) >= 2)


def _landline_grouped(m: re.Match, lens: list[int]) -> bool:
    """Tell whether a group ends right after the area code and the local part is in 3+."""
    area_end = len(m.group(1)) + len(m.group(2))
    at = 0
    for k, n in enumerate(lens):
        at += n
        if at == area_end:
            return all(n >= 3 for n in lens[k + 1 :])
    return False


def _card_grouped(lens: list[int]) -> bool:
    if len(lens) == 1 or lens in ([4, 6, 5], [4, 6, 4]):
        return True
    head = lens[:-1]
    return head[0] >= 3 and all(n == head[0] for n in head) and lens[-1] <= head[0]


def _labels(before: str) -> frozenset[str]:
    """Return the labels that the text right before a run gives its first number."""
    if not before or not any(ch.isalpha() or ch == "#" for ch in before[-8:]):
        return frozenset()
    found = [name for name, label in _LABELS if label.search(before)]
    return frozenset(found)


def _structural(run: _Run, i: int, j: int, c: str, order: bool) -> str | None:
    """Return the kind the digits and grouping of groups i..j show, 'keep', or None.

    Cheap tests on the digits come first: on a run of thousands of groups nearly every
    window fails on its length or first digit.
    """
    n, f, groups = len(c), c[0], j - i + 1
    if run.plus and i == 0:
        if groups >= 2 and f == "1" and c[1:4] in _TOLL_FREE and len(run.groups[0][2]) == 1:
            return "keep"
        return "phone" if 7 <= n <= 15 else None
    if n in (11, 13, 15) and f in "018" and _MOBILE.fullmatch(c):
        lens = run.lens(i, j)
        if groups == 1 or max(lens) == 1 or _mobile_grouped(c, lens):
            return "phone"
    if n == 18:
        if f != "0" and c[10] in "01" and c[12] in "0123" and _id_shaped(c):
            if _ric_check(c):
                return "id"
            if not order:
                lens = run.lens(i, j)
                if groups == 1 or max(lens) == 1 or lens == [6, 8, 4]:
                    return "id"
    elif 10 <= n <= 15:
        if f == "0" or f == "8":
            m = _LANDLINE.fullmatch(c)
            if m and (len(m.group(3)) == 8 or m.group(2)[0] not in "12"):
                lens = run.lens(i, j)
                if groups == 1 or max(lens) == 1 or _landline_grouped(m, lens):
                    return "phone"
        if f == "0" or f == "8":
            if _GREATER_CHINA.fullmatch(c):
                lens = run.lens(i, j)
                if groups == 1 or max(lens) == 1 or lens[0] in (3, 5):
                    return "phone"
            if n == 10 and c.startswith("09"):
                lens = run.lens(i, j)
                if groups == 1 or max(lens) == 1 or lens in ([4, 3, 3], [4, 6]):
                    return "phone"  # a Taiwan mobile written locally
            if groups > 1 and _INTL_00.fullmatch(c):
                return "phone"
        if groups in (3, 4) and n in (10, 11):
            lens = run.lens(i, j)
            if lens == [3, 3, 4] or (lens == [1, 3, 3, 4] and f == "1"):
                us = c[-10:]
                if us[0] in "23456789" and us[3] in "23456789":
                    return "keep" if us[:3] in _TOLL_FREE else "phone"
    if n == 9 and groups == 3 and run.lens(i, j) == [3, 2, 4] and ssn.is_valid(c):
        return "ssn"
    if 13 <= n <= 19 and not order and f in "234569" and run.luhn(i, j):
        if _CARD_PREFIX.match(c):
            lens = run.lens(i, j)
            if groups == 1 or max(lens) == 1 or _card_grouped(lens):
                return "card"
    return None


def _labelled(run: _Run, i: int, j: int, c: str, labels: frozenset[str]) -> str | None:
    """Return the kind a label right before groups i..j gives the number, or None."""
    n = len(c)
    if n == 9 and j == i and "ssn" in labels and ssn.is_valid(c):
        return "ssn"
    if n == 15 and "id" in labels and _id_shaped(c[:6] + "19" + c[6:] + "0"):
        return "id"
    if 12 <= n <= 19 and "card" in labels:
        return "card"
    if 6 <= n <= 30 and "account" in labels:
        return "account"
    if 7 <= n <= 15 and "phone" in labels and "order" not in labels:
        if not _date_shaped(run.lens(i, j), c):
            return "phone"
    return None


def _best(
    run: _Run, i: int, last: int, labels: frozenset[str], keep: frozenset[str]
) -> tuple[int, str] | None:
    """Return the longest window from group i that the digits show, else the longest labelled."""
    strong = weak = None
    order = "order" in labels
    offsets, digits = run.offsets, run.digits
    a = offsets[i]
    # Every window from group i starts with the same digit: it rules most lengths out.
    if labels or keep or (run.plus and i == 0):
        lengths = _ANY_LENGTH
    else:
        lengths = _LENGTHS.get(digits[a], _ANY_LENGTH)
    for j in range(i, last + 1):
        b = offsets[j + 1]
        if b - a > 20:
            break
        if b - a not in lengths:
            continue
        c = digits[a:b]
        if c[-1] == "X":
            if b - a == 18 and _id_shaped(c):
                strong = (j, "id")
            continue
        if (keep and nsn(c) in keep) or (c[0] in "489" and _BUSINESS.fullmatch(c)):
            strong = (j, "keep")
            continue
        kind = _structural(run, i, j, c, order)
        if kind:
            strong = (j, kind)
        elif strong is None and labels:
            kind = _labelled(run, i, j, c, labels)
            if kind:
                weak = (j, kind)
    return strong or weak


def _letters_before(text: str, start: int) -> bool:
    """Tell whether letters glued to a number make it a code (SF1234...), not a label (vx138)."""
    if start == 0 or not text[start - 1].isascii() or not text[start - 1].isalpha():
        return False
    word = _CODE_WORD.search(text, max(0, start - 12), start)
    return word is None or word.group(0).lower() not in _CALL_WORDS


def number_spans(
    text: str, shadow: str, keep: frozenset[str] = frozenset()
) -> list[tuple[int, int, str]]:
    """Return (start, end, kind) of each personal number in ``text`` (its shadow beside it).

    ``keep`` holds the national significant numbers (see ``nsn``) of public numbers.
    """
    spans: list[tuple[int, int, str]] = []
    for match in _RUN.finditer(shadow):
        start, end = match.span()
        plus = shadow[start] == "+"
        groups = []
        for g in _GROUP.finditer(shadow, start, end):
            value = g.group(0)
            if value in "Xx":
                if groups:
                    s, _, v = groups[-1]
                    groups[-1] = (s, g.end(), v + "X")
                continue
            groups.append((g.start(), g.end(), value.translate(CN_VALUE)))
        run = _Run(groups, plus)
        first = 1 if not plus and _letters_before(text, start) else 0
        last = len(groups) - 1
        if end < len(text) and text[end].isascii() and text[end].isalpha():
            last -= 1  # 4090Ti, 12345abc: a code
        i = first
        # A label can only stand before the first number of a run: between the numbers of a
        # run there are separators only.
        if first > last:
            continue
        labels = _labels(text[max(0, groups[first][0] - 24) : groups[first][0]])
        while i <= last:
            best = _best(run, i, last, labels if i == first else frozenset(), keep)
            if best is None:
                i += 1
                continue
            j, kind = best
            if kind != "keep":
                s = start if i == 0 and plus else groups[i][0]
                e = groups[j][1]
                if kind == "phone":
                    ext = _EXTENSION.match(text, e)
                    e = ext.end() if ext else e
                if s > 0 and shadow[s - 1] == "(" and ")" in shadow[s:e]:
                    s -= 1  # (010)6234 5678, (+86)138...
                spans.append((s, e, kind))
            i = j + 1
    return spans

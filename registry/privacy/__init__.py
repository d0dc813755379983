"""Keep personal data out of public text; key contacts without storing them.

``scrub(text, names=(), keep=())`` returns the public copy of a complaint, reply, event
summary or moderator's reason. What it removes, and the choices made where a rule had to be
picked:

- Phone numbers (numbers.py): Chinese mobiles and landlines, +852/+853/+886 and any other
  '+' number, 00-prefixed international numbers, US numbers grouped 3-3-4. Separators of
  any kind between any digits (dots, slashes, spaces between every digit, dashes of any
  width), full-width or other scripts' digits, Chinese numerals (一三八, 〇, 幺, 壹) and
  invisible characters inside. A number is judged on whole groups as written, so an order
  number never yields a phone inside it, and on its grouping, so 13.5 18.8 19.9 stays.
  Kept: 400/800/95xxx service numbers and US toll-free numbers (businesses), local numbers
  without an area code unless a label (电话, phone ...) says what they are.
- Resident IDs (18 characters in any grouping, valid by ``stdnum.cn.ric`` or ID-shaped;
  15-digit ones after a label), bank cards (13-19 digits, Luhn-valid, card-like prefix and
  grouping; any 12-19 digits after 卡号/card), US SSNs (3-2-4, valid by ``stdnum.us.ssn``,
  or 9 digits after "SSN"), account numbers after a label (账号, account, routing ...) and
  IBANs (``stdnum.iban``). An ID-shaped but invalid number, or a Luhn-valid one, stays when
  labelled as an order, waybill or model number: order numbers are evidence a reader needs.
- E-mail addresses, also with full-width ＠．, spaces, (at)/[at]/艾特, "at ... dot", 点, and
  12345@qq without a domain; a plain " at " needs a mail host or a spelled "dot", so that
  "ordered at amazon.com" stays.
- WeChat/QQ/Alipay and similar handles after their labels (微信, V信, vx, 加V, 扣扣, 企鹅,
  支付宝, WeChat, QQ ...); the label stays, the value goes. A bare word after the label
  ("WeChat payment") needs a colon or 是/is before it.
- Passport and permit numbers (after a label; China's E/G formats without one), dates of
  birth after a label (出生日期, 生日, DOB, born on ...); other dates stay.
- Street addresses (addresses.py): the road, number, building, unit and room; the city
  and district stay.
- People's names (forms.py, names.py): the complainant's ``names`` in every form (the
  name; surname + 先生/女士/小姐/太太/某/某某; pinyin or Latin in either order, joined, in
  capitals, with initials, after Mr/Ms), and other people's names found with jieba's
  part-of-speech table and cues. A given name alone, or 李先生 and 张某 of someone the text
  does not name in full, stays.
- ``keep``: the seller's public strings (legal and store names, its hotlines) survive
  wherever they appear; a number in ``keep`` is never masked, in any formatting; a name in
  ``keep`` is never taken for a person's name.

Each removal leaves a visible, typed placeholder. A text that reads as English (fewer than
one Han character per six Latin letters, see ``text.is_english``) gets English ones such
as [phone removed]; any other gets Chinese ones such as 【电话已隐去】. The returned text has
invisible characters dropped and full-width digits and letters folded to ASCII (Chinese
punctuation kept). ``scrub`` never raises (an internal error is logged and every long
number and '@' word is masked instead), is idempotent (the finders run one after another,
each on the text the earlier ones left) and runs in linear time: every pattern is bounded
or possessive, and jieba (loaded once per process, on first use, never at import) cuts only
runs of Chinese characters that hold a surname near a cue. About 2,500 typical 100-300
character texts a CPU second.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable
from functools import lru_cache

from .addresses import address_spans
from .contacts import (
    contact_digest,
    email_spans,
    handle_spans,
    keyed_digest,
    normalize_contact,
)
from .documents import document_spans
from .forms import COMPOUND_SURNAMES, HONORIFICS, complainant_spans, name_forms
from .names import chinese_name_spans, english_name_spans
from .numbers import CN_DIGITS, CN_VALUE, nsn, number_spans
from .text import KINDS, PLACEHOLDER, is_english, placeholder, prepare, shadow

__all__ = [
    "COMPOUND_SURNAMES",
    "HONORIFICS",
    "KINDS",
    "PLACEHOLDER",
    "contact_digest",
    "keyed_digest",
    "name_forms",
    "normalize_contact",
    "placeholder",
    "scrub",
]

log = logging.getLogger(__name__)

Span = tuple[int, int, str]
# Lower wins where two finds of one finder overlap (a document finder's passport number
# over a date of birth).
_PRIORITY = {
    "email": 0,
    "phone": 1,
    "id": 1,
    "card": 1,
    "ssn": 1,
    "passport": 2,
    "birth": 2,
    "account": 2,
    "handle": 3,
    "address": 4,
    "name": 5,
}
_DIGIT_LIKE = re.compile(rf"[0-9{CN_DIGITS}]")
_AT_WORD = re.compile(r"[^\s@]{0,64}[@＠][^\s@]{0,255}")
_LONG_RUN = re.compile(rf"[0-9{CN_DIGITS}](?:[^\s]{{0,3}}?[0-9{CN_DIGITS}]){{4,}}")


def _strings(values: Iterable[str] | str | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    try:
        return [v for v in values if isinstance(v, str) and v.strip()]
    except TypeError:
        return []


@lru_cache(maxsize=1024)
def _keep(keep: tuple[str, ...]) -> tuple[re.Pattern | None, frozenset[str]]:
    """Return a regex of the public strings and the national numbers among them."""
    strings = sorted({prepare(k).strip() for k in keep}, key=len, reverse=True)
    numbers = set()
    for k in strings:
        digits = "".join(_DIGIT_LIKE.findall(shadow(k)))
        if len(digits) >= 5:
            numbers.add(nsn(digits.translate(CN_VALUE)))
    words = [k for k in strings if len(k) >= (2 if not k.isascii() else 3)]
    pattern = None
    if words:
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return pattern, frozenset(numbers)


def _resolve(spans: list[Span], protected: list[tuple[int, int]]) -> list[Span]:
    """Return non-overlapping spans, by priority then length, none inside a kept string.

    Inside, not overlapping: a public string that is part of someone's name or number
    (a shop called 小明 and a complainant called 王小明) does not unmask the rest.
    """
    starts: list[int] = []
    chosen: list[Span] = []
    for span in sorted(spans, key=lambda s: (_PRIORITY[s[2]], s[0] - s[1], s[0])):
        s, e, _ = span
        if e <= s or any(ps <= s and e <= pe for ps, pe in protected):
            continue
        k = bisect.bisect_left(starts, s)
        if k < len(chosen) and chosen[k][0] < e:  # the next chosen span starts inside
            continue
        if k > 0 and chosen[k - 1][1] > s:  # the previous one ends inside
            continue
        starts.insert(k, s)
        chosen.insert(k, span)
    return chosen


def _apply(text: str, spans: list[Span], english: bool) -> str:
    out, at = [], 0
    for s, e, kind in spans:
        out.append(text[at:s])
        out.append(placeholder(kind, english))
        at = e
    out.append(text[at:])
    return "".join(out)


def _protected(text: str, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)] if pattern is not None else []


def _scrub(text: str, names: list[str], keep: list[str]) -> str:
    text = prepare(text)
    if not text.strip():
        return text
    english = is_english(text)
    pattern, numbers = _keep(tuple(sorted(keep)))
    # One kind after another, each on the text the earlier ones left: a second pass then
    # finds nothing new, since every finder has already seen the others' placeholders.
    # E-mail addresses first (a name inside one goes with it), the complainant's name
    # before numbers ("13812345678Zhang Wei"), documents before numbers (the digits of an
    # IBAN), numbers before handles (微信 138...), other people's names last.
    finders = (
        lambda t, sh: email_spans(sh),
        lambda t, sh: complainant_spans(t, names),
        lambda t, sh: document_spans(sh),
        lambda t, sh: number_spans(t, sh, numbers),
        lambda t, sh: handle_spans(sh, numbers),
        lambda t, sh: address_spans(t),
        lambda t, sh: english_name_spans(t),
        (lambda t, sh: []) if english else (lambda t, sh: chinese_name_spans(t)),
    )
    sh = shadow(text)
    for find in finders:
        # Again while it finds something: a mask can make a neighbour stand alone (the
        # second address in "a@b.comc_d@e.com" only begins after the first is gone).
        for _ in range(3):
            spans = _resolve(find(text, sh), _protected(text, pattern))
            if not spans:
                break
            text = _apply(text, spans, english)
            sh = shadow(text)
    return text


def scrub(text: str, names: Iterable[str] = (), keep: Iterable[str] = ()) -> str:
    """Return ``text`` with personal data masked; ``names`` are the complainant's own."""
    names_, keep_ = _strings(names), _strings(keep)
    try:
        return _scrub(text, names_, keep_)
    except Exception:  # a bug must not publish the text, nor fail the write
        log.exception("scrub failed; masking every long number")
        safe = prepare(text if isinstance(text, str) else str(text or ""))
        safe = _AT_WORD.sub(placeholder("email"), safe)
        return _LONG_RUN.sub(placeholder("phone"), safe)

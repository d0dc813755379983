"""Keep complainants' personal data out of public text; key contacts without storing them.

What ``scrub`` removes, and the choices made where a rule had to be picked:

- E-mail addresses.
- Resident ID numbers (18 characters, optionally grouped 6-8-4): masked when
  ``stdnum.cn.ric`` validates them, and also when they only have an ID's shape (region digit
  1-9, a plausible birth date, digits or a final X) since a mistyped ID still gives away a
  birth date and a place. An ID-shaped number that fails validation is kept when it is
  labelled as an order number (订单号 ...); a valid one is masked even then.
- Bank cards: 13-19 digits, plain or grouped by single spaces or dashes, masked only when
  Luhn-valid (``stdnum.luhn``), and not when labelled as an order or waybill number.
  Order numbers are evidence a reader needs; a Luhn-invalid run cannot be a card number.
- Chinese mobile numbers (1[3-9] + 9 digits, with +86/0086, spaces or dashes) and landlines
  with an area code (0xx/0xxx, or +86 without the 0). Local numbers without an area code
  and 400/800/95xxx service numbers are kept: they are ambiguous or belong to businesses.
- QQ numbers and WeChat ids, only where labelled (QQ, 微信, wx ...).
- The complainant's name(s): the full name, and for a Chinese name also the surname with
  先生/女士/小姐/太太/某/某某 (compound surnames such as 欧阳 are recognised). A given name
  alone is not masked: 建国 or 志强 are also street and shop names.
- Street addresses are not detected; moderators see the original and can reject.

Each removal leaves a visible, typed placeholder such as 【电话已隐去】. ``scrub`` returns
text with full-width digits and letters folded to ASCII (Chinese punctuation kept) and is
idempotent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from stdnum import luhn
from stdnum.cn import ric

from .identifiers import fold_width

PLACEHOLDER = "【{}已隐去】"
PHONE, ID_NUMBER, CARD, EMAIL, HANDLE, NAME = (
    "电话",
    "身份证号",
    "银行卡号",
    "邮箱",
    "联系方式",
    "姓名",
)
HONORIFICS = ("先生", "女士", "小姐", "太太", "某某", "某")
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 令狐 轩辕 端木 "
    "独孤 南宫 西门 百里 呼延 万俟 澹台 公冶 申屠 太史 闻人 赫连 钟离 第五".split()
)

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_ID = re.compile(
    r"(?<![0-9A-Za-z])([0-9]{6})[ \-]?([0-9]{8})[ \-]?([0-9]{3}[0-9Xx])(?![0-9A-Za-z])"
)
_CARD = re.compile(r"(?<![0-9+])[0-9](?:[ \-]?[0-9]){12,18}(?![0-9])")
_CC = r"(?:\(?(?:\+|00)86\)?[ \-]?)"
# Grouped 3-4-4 only, so that no run of a grouped card (4-4-4-4-3) is taken for a phone.
_MOBILE = re.compile(
    rf"(?<![0-9+])(?:{_CC}|86[ \-]?)?1[3-9][0-9][ \-]?[0-9]{{4}}[ \-]?[0-9]{{4}}(?![0-9])"
)
_LANDLINE = re.compile(
    rf"(?<![0-9+])(?:{_CC}\(?0?[1-9][0-9]{{1,2}}\)?|\(?0[1-9][0-9]{{1,2}}\)?)[ \-]?"
    r"[2-9][0-9]{2,3}[ \-]?[0-9]{4}(?:[ \-]?(?:转|ext\.?|x)[ \-]?[0-9]{1,6})?(?![0-9])",
    re.IGNORECASE,
)
_HANDLE = re.compile(
    r"(?<![A-Za-z])((?:QQ|扣扣|微信|weixin|wechat|wx|vx)\s*(?:号码|号|id)?\s*[:：]?\s*)"
    r"([0-9]{5,11}|[A-Za-z][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-])",
    re.IGNORECASE,
)
# Text right before a number that says it is an order or waybill number.
_ORDER_LABEL = re.compile(
    r"(?:订单|单号|交易号|流水号|order(?:\s*(?:no|number|id))?)\s*(?:号|编号|id|no\.?)?"
    r"\s*[:：#]?\s*$",
    re.IGNORECASE,
)
_HAN = re.compile(r"^[\u3400-\u9fff]{2,4}$")


def _mask(label: str) -> str:
    return PLACEHOLDER.format(label)


def _order_labelled(text: str, start: int) -> bool:
    return bool(_ORDER_LABEL.search(text[max(0, start - 16) : start]))


def _id_shaped(compact: str) -> bool:
    """Tell whether an 18-character string looks like a resident ID (valid or not)."""
    if compact[0] == "0":
        return False
    try:
        born = date(int(compact[6:10]), int(compact[10:12]), int(compact[12:14]))
    except ValueError:
        return False
    return 1900 <= born.year <= 2099


def _scrub_id(match: re.Match, text: str) -> str:
    compact = "".join(match.groups()).upper()
    if ric.is_valid(compact):
        return _mask(ID_NUMBER)
    if compact.endswith("X") or (_id_shaped(compact) and not _order_labelled(text, match.start())):
        return _mask(ID_NUMBER)
    return match.group(0)


def _scrub_card(match: re.Match, text: str) -> str:
    digits = re.sub(r"[ \-]", "", match.group(0))
    if luhn.is_valid(digits) and not _order_labelled(text, match.start()):
        return _mask(CARD)
    return match.group(0)


def name_forms(name: str) -> list[str]:
    """Return the forms of ``name`` to mask: the name, and surname + 先生/女士... for Chinese."""
    name = " ".join(unicodedata.normalize("NFKC", name).split())
    if len(name.replace(" ", "")) < 2:
        return []
    forms = [name]
    if _HAN.match(name):
        surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[0]
        forms += [surname + h for h in HONORIFICS]
    return forms


def _name_pattern(names: Iterable[str]) -> re.Pattern | None:
    forms = {f for n in names if n for f in name_forms(n)}
    if not forms:
        return None
    parts = []
    for form in sorted(forms, key=len, reverse=True):
        if _HAN.match(form.replace(" ", "")) or not form.isascii():
            parts.append(r"\s?".join(re.escape(ch) for ch in form.replace(" ", "")))
        else:
            words = r"\s+".join(re.escape(w) for w in form.split())
            parts.append(rf"(?<![A-Za-z]){words}(?![A-Za-z])")
    return re.compile("|".join(parts), re.IGNORECASE)


def scrub(text: str, names: Iterable[str] = ()) -> str:
    """Return ``text`` with phone, ID, card numbers, e-mails, handles and ``names`` masked."""
    text = fold_width(unicodedata.normalize("NFC", text or ""))
    # Order matters: mobiles before long runs (a +86 mobile can be Luhn-valid), landlines
    # after them (a grouped card contains a landline's shape).
    text = _EMAIL.sub(_mask(EMAIL), text)
    text = _MOBILE.sub(_mask(PHONE), text)
    text = _ID.sub(lambda m, t=text: _scrub_id(m, t), text)
    text = _CARD.sub(lambda m, t=text: _scrub_card(m, t), text)
    text = _LANDLINE.sub(_mask(PHONE), text)
    text = _HANDLE.sub(lambda m: m.group(1) + _mask(HANDLE), text)
    pattern = _name_pattern(names)
    if pattern is not None:
        text = pattern.sub(_mask(NAME), text)
    return text


_PHONE_CHARS = re.compile(r"[\s\-().]")
_EMAIL_FULL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)*\.[A-Za-z]{2,}")


def normalize_contact(contact: str) -> str:
    """Return ``tel:+<digits>`` or ``mailto:<address>``, or raise ValueError.

    Loose on purpose: a Chinese mobile or landline, an international number (6-15 digits)
    or anything shaped like an e-mail address.
    """
    text = unicodedata.normalize("NFKC", contact or "").strip()
    if "@" in text:
        if len(text) > 200 or not _EMAIL_FULL.fullmatch(text):
            raise ValueError("not an e-mail address")
        return "mailto:" + text.lower()
    compact = _PHONE_CHARS.sub("", text)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isascii() or not digits.isdigit() or not 6 <= len(digits) <= 15:
        raise ValueError("not a phone number or an e-mail address")
    if digits.startswith("00"):
        digits, plus = digits[2:], True
    if not plus and len(digits) == 13 and re.fullmatch(r"861[3-9][0-9]{9}", digits):
        plus = True
    if plus:
        if digits.startswith("860"):  # +86 0571 ...: the trunk 0 is not dialled from abroad
            digits = "86" + digits[3:]
        return "tel:+" + digits
    if digits.startswith("0"):
        return "tel:+86" + digits[1:]
    if re.fullmatch(r"1[3-9][0-9]{9}", digits):
        return "tel:+86" + digits
    return "tel:" + digits  # a local number without area code: kept as given


def keyed_digest(kind: str, value: str, secret: str | bytes) -> str:
    """Return HMAC-SHA256 of ``kind`` and ``value`` (hex): unlinkable without ``secret``."""
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def contact_digest(contact: str, secret: str | bytes) -> str:
    """Return the complainant reference: HMAC-SHA256 of the normalised phone or e-mail."""
    return keyed_digest("contact", normalize_contact(contact), secret)

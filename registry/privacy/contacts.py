"""E-mail addresses and labelled handles in text; contacts normalised and keyed."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from .numbers import CN_DIGITS, CN_VALUE, nsn

# Mail hosts common enough that "12345@qq" or "abc#163.com" can only mean an address.
_HOSTS = (
    r"(?:qq|vip\.qq|foxmail|163|126|yeah|vip\.163|sina|sohu|139|189|188|aliyun|21cn|tom|"
    r"gmail|googlemail|yahoo|hotmail|outlook|live|msn|icloud|me|aol|proton|protonmail|"
    r"gmx|yandex|zoho|mail)"
)
_TLD = r"(?:com|net|org|cn|com\.cn|net\.cn|hk|tw|mo|edu|gov|io|co|uk|us|de|jp|me|info|biz)"
_LOCAL = r"(?<![A-Za-z0-9_.%+\-])[A-Za-z0-9_.%+\-]{1,64}"
_LABEL = r"[A-Za-z0-9\-]{1,63}"
_DOT = r"\s{0,2}(?:\.|。|点|\(dot\)|\[dot\]|\{dot\}|<dot>|（dot）|【dot】)\s{0,2}"
_SPELLED_DOT = r"(?:\s{0,2}(?:点|\(dot\)|\[dot\]|\{dot\}|<dot>|（dot）|【dot】)\s{0,2}|\s+dot\s+)"
# "jane dot doe at gmail dot com": the dots of the local part spelled too
_SPELLED_LOCAL = r"(?:\s+dot\s+[A-Za-z0-9_%+\-]{1,64}){0,3}"
_AT = r"\s{0,2}(?:@|\(at\)|\[at\]|\{at\}|<at>|（at）|【at】|艾特|圈a)\s{0,2}"
_EMAIL = re.compile(
    "|".join(
        (
            # local@host.tld with '@' or a bracketed (at), dots plain or spelled
            rf"{_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL}){{0,5}}{_DOT}[A-Za-z]{{2,24}}(?![A-Za-z])",
            # local@qq, no top-level domain: only the common hosts
            rf"{_LOCAL}{_AT}{_HOSTS}(?![A-Za-z.@])",
            # abc#qq.com
            rf"{_LOCAL}\s?#\s?{_HOSTS}{_DOT}{_TLD}(?![A-Za-z])",
            # "john at gmail.com", "john at example dot com": a plain "at" needs a mail host
            # or a spelled dot, or "ordered at amazon.com" would go
            rf"{_LOCAL}{_SPELLED_LOCAL}\s+at\s+{_HOSTS}(?:{_DOT}|{_SPELLED_DOT}){_TLD}(?![A-Za-z])",
            rf"{_LOCAL}{_SPELLED_LOCAL}\s+at\s+{_LABEL}(?:{_SPELLED_DOT}{_LABEL}){{0,3}}{_SPELLED_DOT}{_TLD}(?![A-Za-z])",
        )
    ),
    re.IGNORECASE,
)

# Labels people put before a WeChat id, QQ number, Alipay account and the like.
_HAN_LABEL = (
    r"微信号?|威信|薇信|维信|卫星号|[vV]信|微[xX]|wei信|扣扣|企鹅号?|球球|qq群号?|qq号|q号|"
    r"支付宝(?:账号|帐号|号)?|钉钉号?|抖音号?|快手号?|小红书号?|微博|旺旺号?|淘宝号|"
    r"(?:加|\+|➕)\s*[vV](?:信)?"
)
_LATIN_LABEL = (
    r"weixin|wechat|vchat|vx|wx|qq|alipay|zfb|telegram|whatsapp|skype|line\s*id|tg|"
    r"add\s+v|v(?=\s*[:：])"
)
_FILLER = (
    r"\s*(?:(?:号码|号|账号|帐号|账户|帐户|id|名|is|account|number|no\.?|me\s+(?:at|on)|"
    r"[:：=\-#>（(]|是|为)\s*){0,3}"
)
_HANDLE = re.compile(
    rf"(?:(?:{_HAN_LABEL})|(?<![A-Za-z])(?:{_LATIN_LABEL})(?![A-Za-z]))(?P<fill>{_FILLER})@?"
    rf"(?P<value>(?!(?:account|number)(?![A-Za-z0-9_\-]))[A-Za-z][A-Za-z0-9_\-]{{4,29}}"
    rf"|[0-9{CN_DIGITS}](?:[ \-.]{{0,2}}+[0-9{CN_DIGITS}]){{4,14}})"
    r"(?![A-Za-z0-9_\-])",
    re.IGNORECASE,
)
# A colon, 是, 号, "id" or "is" says a value follows; "me at" alone does not ("WeChat me at
# night").
_EXPLICIT = re.compile(r"[:：=#是为号]|(?<![A-Za-z])(?:id|is)(?![A-Za-z])", re.IGNORECASE)
_DIGIT = re.compile(rf"[0-9{CN_DIGITS}]")
_AMOUNT_AFTER = re.compile(
    r"\s*(?:元|块|圆|rmb|yuan|%|个|件|次|天|岁|分钟|小时|月|年)", re.IGNORECASE
)


def email_spans(shadow: str) -> list[tuple[int, int, str]]:
    """Return (start, end, "email") of each e-mail address, written plainly or spelled out."""
    if "@" not in shadow and not _MAYBE_SPELLED.search(shadow):
        return []
    return [(m.start(), m.end(), "email") for m in _EMAIL.finditer(shadow)]


_MAYBE_SPELLED = re.compile(r"(?i)\bat\b|\(at\)|\[at\]|艾特|圈a|#")


def handle_spans(shadow: str, keep: frozenset[str] = frozenset()) -> list[tuple[int, int, str]]:
    """Return (start, end, "handle") of each value after a WeChat/QQ/Alipay... label.

    ``keep`` holds public numbers (``numbers.nsn``): the seller's own QQ or WeChat number.
    """
    spans = []
    for m in _HANDLE.finditer(shadow):
        value = m.group("value")
        if keep and not value[0].isalpha():
            if nsn("".join(_DIGIT.findall(value)).translate(CN_VALUE)) in keep:
                continue
        if _AMOUNT_AFTER.match(shadow, m.end()):
            continue
        worded = value[0].isalpha()
        explicit = bool(_EXPLICIT.search(m.group("fill")))
        # "WeChat payment", "微信 support": a bare word after the label is no id.
        if worded and not explicit and not re.search(r"[0-9_\-]", value):
            continue
        spans.append((m.start("value"), m.end("value"), "handle"))
    return spans


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

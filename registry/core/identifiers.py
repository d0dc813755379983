"""Identifier schemes, validated by python-stdnum, and the region a USCC names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import uscc
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.kr import brn as kr_brn
from stdnum.sg import uen as sg_uen

from .errors import ValidationFailed

# The 18th-character check of a USCC and its 2nd character (organisation kind) decide the
# entity type only loosely; the registration's own "type" column is preferred when present.
_MUNICIPALITIES = {"11", "12", "31", "50"}


@dataclass(frozen=True)
class Scheme:
    name: str
    label: str
    compact: Callable[[str], str]
    validate: Callable[[str], str]


SCHEMES: dict[str, Scheme] = {
    "cn_uscc": Scheme("cn_uscc", "统一社会信用代码", uscc.compact, uscc.validate),
    "eu_vat": Scheme("eu_vat", "EU VAT", eu_vat.compact, eu_vat.validate),
    "gb_vat": Scheme("gb_vat", "GB VAT", gb_vat.compact, gb_vat.validate),
    "kr_brn": Scheme("kr_brn", "KR BRN", kr_brn.compact, kr_brn.validate),
    "sg_uen": Scheme("sg_uen", "SG UEN", sg_uen.compact, sg_uen.validate),
}


# Full-width digits, Latin letters, '@', '.', '-', '+' and the ideographic space fold to ASCII;
# Chinese punctuation (，：（）) stays as written: NFKC would turn it into ASCII in public text.
_WIDTH = {0x3000: " ", 0xFF20: "@", 0xFF0E: ".", 0xFF0D: "-", 0xFF0B: "+"}
_WIDTH.update({cp: chr(cp - 0xFEE0) for cp in range(0xFF10, 0xFF1A)})
_WIDTH.update({cp: chr(cp - 0xFEE0) for cp in range(0xFF21, 0xFF3B)})
_WIDTH.update({cp: chr(cp - 0xFEE0) for cp in range(0xFF41, 0xFF5B)})
_WIDTH_TABLE = str.maketrans(_WIDTH)


_WIDE = re.compile("[\u3000\uff0b\uff0d\uff0e\uff10-\uff19\uff20-\uff3a\uff41-\uff5a]")


def fold_width(text: str) -> str:
    """Fold full-width digits and letters to ASCII, one character for one (positions hold)."""
    # Most text has nothing to fold; the regular expression says so at C speed.
    return text.translate(_WIDTH_TABLE) if _WIDE.search(text) else text


def clean_text(value: str | None) -> str:
    """Fold full-width digits and letters, drop control characters, squeeze spaces."""
    if value is None:
        return ""
    text = str(value)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = fold_width(text)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in text)
    return " ".join(text.split())


def normalize_identifier(scheme: str, value: str) -> str:
    """Return the compact, validated form of ``value`` or raise ValidationFailed."""
    spec = SCHEMES.get(scheme)
    if spec is None:
        raise ValidationFailed(
            f"unknown identifier scheme {scheme!r}",
            {"scheme": f"known: {', '.join(SCHEMES)}"},
        )
    text = clean_text(value).upper()
    if not text:
        raise ValidationFailed("identifier is missing", {"identifier": "required"})
    try:
        return spec.validate(text)
    except ValidationError as exc:
        raise ValidationFailed(
            f"invalid {spec.label}: {exc}",
            {"identifier": f"{type(exc).__name__}: {exc}"},
        ) from None


#: a USCC as typed, right or wrong: 18 ASCII letters and digits, the 3rd to 8th (the area
#: code) digits. Chinese characters are letters to str.isalnum(): a legal name of 18
#: characters is not a code with a wrong check digit.
_USCC_SHAPE = re.compile(r"[0-9A-Z]{2}[0-9]{6}[0-9A-Z]{10}")


def looks_like_uscc(text: str) -> bool:
    """Tell whether ``text`` is shaped like a USCC (18 characters), valid or not."""
    compact = clean_text(text).replace(" ", "").replace("-", "").upper()
    return _USCC_SHAPE.fullmatch(compact) is not None


def is_valid_uscc(text: str) -> bool:
    return uscc.is_valid(clean_text(text).upper())


@dataclass(frozen=True)
class Region:
    area_code: str
    province: str | None
    city: str | None


def _latest_name(raw: str) -> str:
    # stdnum's location names look like "[1983-1989]南头区办事处,[1990-]南山区": keep the last.
    last = raw.split(",")[-1]
    return re.sub(r"^\[[^\]]*\]", "", last).strip()


@lru_cache(maxsize=8192)
def region_of(area_code: str) -> Region:
    """Derive province and city from the 6-digit administrative division code of a USCC."""
    db = numdb.get("cn/loc")
    province = None
    city = None
    for _prefix, info in db.info(area_code)[:1]:
        province = info.get("province")
    if province is None:
        return Region(area_code, None, None)
    if area_code[:2] in _MUNICIPALITIES:
        city = province
    else:
        found = db.info(area_code[:4] + "00")
        if len(found) > 1 and found[1][1].get("county"):
            city = _latest_name(found[1][1]["county"])
        if city is None or "直辖" in city:
            # County-level cities governed by the province directly are their own city.
            own = db.info(area_code)
            if len(own) > 1 and own[1][1].get("county"):
                city = _latest_name(own[1][1]["county"])
    return Region(area_code, province, city)


def region_of_uscc(code: str) -> Region:
    return region_of(code[2:8])

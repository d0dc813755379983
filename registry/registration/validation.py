"""Turn one raw registration record into clean, typed fields, or field errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..core.errors import ValidationFailed
from ..core.identifiers import SCHEMES, clean_text, normalize_identifier, region_of_uscc
from ..core.shapes import check
from ..core.types import max_length
from ..core.urls import normalize_domain, normalize_store_url
from ..privacy.contacts import normalize_contact
from .models import ENTITY_TYPES, Seller, Store

# How long a regulator's verification stands when the record gives no expiry: yearly
# re-verification matches the annual report cycle of the publicity system.
DEFAULT_VALIDITY = timedelta(days=365)

_STATUS_WORDS = (
    ("吊销", "revoked"),
    ("注销", "cancelled"),
    ("迁出", "moved_out"),
    ("撤销", "revoked"),
    ("存续", "in_business"),
    ("在业", "in_business"),
    ("开业", "in_business"),
    ("在营", "in_business"),
    ("正常", "in_business"),
)
_STATUS_EN = {
    "in_business": "in_business",
    "active": "in_business",
    "revoked": "revoked",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "moved_out": "moved_out",
    "unknown": "unknown",
    "not provided": "unknown",
    "未知": "unknown",
    "未提供": "unknown",
}
# The seller's text fields a record may give, with the most characters each column holds.
_LIMITS = {
    name: max_length(Seller, name)
    for name in (
        "legal_name",
        "english_name",
        "legal_representative",
        "registration_authority",
        "registered_address",
        "business_scope",
        "category",
    )
}
_STORE_NAME_LIMIT = max_length(Store, "store_name")
_STORE_URL_LIMIT = max_length(Store, "store_url")
_SPLIT = re.compile(r"[;；、|\n]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


@dataclass
class Registration:
    """A validated registration: identity, seller fields, stores and domains."""

    scheme: str
    identifier: str
    seller: dict[str, Any]
    identity: dict[str, Any]
    stores: list[dict[str, str]] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    icp_number: str | None = None
    explicit_verified_at: bool = False


def _entity_type(raw: str | None, scheme: str, identifier: str) -> str | None:
    text = clean_text(raw)
    if text in ENTITY_TYPES:
        return text
    if "分公司" in text or "分支" in text or "分店" in text:
        return "branch"
    if "个体" in text:
        return "individual_business"
    if "外国" in text or "外商" in text or "台港澳" in text:
        return "foreign"
    if text:
        return "company"
    if scheme == "cn_uscc":
        # Second character of a USCC is the organisation kind: 2 = individual business.
        return "individual_business" if identifier[1] == "2" else "company"
    return "foreign"


def _status(raw: str) -> str | None:
    text = clean_text(raw)
    if text.lower() in _STATUS_EN:
        return _STATUS_EN[text.lower()]
    for word, status in _STATUS_WORDS:
        if word in text:
            return status
    return None


def parse_date(raw: Any) -> date:
    if isinstance(raw, date):
        return raw.date() if isinstance(raw, datetime) else raw
    text = clean_text(str(raw))
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD)")


def parse_datetime(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    else:
        text = clean_text(str(raw))
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            value = datetime.combine(parse_date(text), datetime.min.time())
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        value.astimezone(UTC)  # 0001-01-01T00:00+08:00 is no instant UTC can hold
    except OverflowError:
        raise ValueError(f"out of range: {value.isoformat()}") from None
    return value


def _names(raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else _SPLIT.split(str(raw))
    return [name for name in (clean_text(str(i)) for i in items) if name][:20]


def validate_registration(data: dict[str, Any], now: datetime) -> Registration:
    """Validate one record's canonical fields; raise ValidationFailed with every field error.

    A field given as None (JSON null) is a field not given: it never becomes the text "None".
    A registration without a status has the status "unknown" (shown as "not provided"), never
    "in business".
    """
    from .shapes import RegistrationRecord  # the shape reads its dates with this module

    data = {k: v for k, v in data.items() if v is not None}
    record, errors = check(RegistrationRecord, data)
    scheme = clean_text(data.get("scheme")) or "cn_uscc"
    identifier = ""
    if scheme not in SCHEMES:
        errors["scheme"] = f"unknown scheme {scheme!r}; known: {', '.join(SCHEMES)}"
    elif "identifier" not in errors:
        try:
            identifier = normalize_identifier(scheme, record.identifier or "")
        except ValidationFailed as exc:
            errors["identifier"] = exc.message
    seller: dict[str, Any] = {
        key: getattr(record, key) for key in _LIMITS if getattr(record, key) is not None
    }
    if "status" in data:
        status = _status(str(data["status"]))
        if status is None:
            errors["status"] = f"unknown registration status {clean_text(str(data['status']))!r}"
        else:
            seller["status"] = status
    if record.established_on is not None:
        seller["established_on"] = record.established_on
    for key in ("former_names", "aliases"):
        if key in data:
            seller[key] = _names(data[key])
    if record.contact_email is not None:
        address = record.contact_email
        if "@" not in address:
            errors["contact_email"] = "not an e-mail address"
        else:
            try:
                seller["contact_email"] = normalize_contact(address).removeprefix("mailto:")
            except ValueError:
                errors["contact_email"] = "not an e-mail address"
    identity: dict[str, Any] = {}
    if "evidence_ref" in data:
        identity["evidence_ref"] = record.evidence_ref or ""
    explicit = "verified_at" in data
    verified_at = record.verified_at or now
    identity["verified_at"] = verified_at
    try:
        identity["expires_at"] = record.expires_at or verified_at + DEFAULT_VALIDITY
    except OverflowError as exc:  # 9999-12-31 has no year of validity after it
        errors["verified_at"] = str(exc)
    domains: list[str] = []
    for raw in _names(data["domains"]) if "domains" in data else []:
        try:
            domains.append(normalize_domain(raw))
        except ValueError as exc:
            errors["domains"] = f"{raw!r}: {exc}"
    stores: list[dict[str, str]] = []
    for raw in (
        data["stores"]
        if isinstance(data.get("stores"), list)
        else _names(data["stores"])
        if "stores" in data
        else []
    ):
        url = raw.get("store_url") or raw.get("url") if isinstance(raw, dict) else raw
        key = normalize_store_url(str(url or ""))
        if key is None:
            errors["stores"] = f"{url!r} is not a recognised marketplace shop URL"
            continue
        name = clean_text(raw.get("store_name") or raw.get("name")) if isinstance(raw, dict) else ""
        stores.append(
            {
                "platform": key.platform,
                "store_key": key.shop_id,
                "store_name": (name or seller.get("legal_name", ""))[:_STORE_NAME_LIMIT],
                "store_url": clean_text(str(url))[:_STORE_URL_LIMIT],
            }
        )
    if errors:
        raise ValidationFailed("record rejected", errors)
    seller["entity_type"] = _entity_type(record.entity_type, scheme, identifier)
    if scheme == "cn_uscc":
        region = region_of_uscc(identifier)
        seller.update(area_code=region.area_code, province=region.province, city=region.city)
    icp = record.icp_number
    return Registration(
        scheme,
        identifier,
        seller,
        identity,
        stores,
        list(dict.fromkeys(domains)),
        icp,
        explicit,
    )

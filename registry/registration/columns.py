"""Column names of registration batches: which field each fills, which are known and not
kept (with the reason), and a per-file report of the columns that fill nothing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..core.identifiers import clean_text

# Column names of the national enterprise credit publicity system, the English renderings of
# its pages and exports, and the snake_case names of JSON feeds. Matching folds width, case,
# spaces, underscores, hyphens and dots (see _fold): "Legal Representative", "法定代表人 " and
# "legal_representative" are one name.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "identifier": (
        "统一社会信用代码",
        "统一信用代码",
        "信用代码",
        "社会信用代码",
        "uscc",
        "credit_code",
        "unified_social_credit_code",
        "unified_credit_code",
        "social_credit_code",
        "identifier",
        "code",
        "id_value",
    ),
    "scheme": ("标识类型", "scheme", "identifier_scheme"),
    "legal_name": (
        "企业名称",
        "名称",
        "主体名称",
        "市场主体名称",
        "单位名称",
        "legal_name",
        "name",
        "company_name",
        "enterprise_name",
        "entity_name",
        "name_of_enterprise",
    ),
    "entity_type": (
        "类型",
        "企业类型",
        "主体类型",
        "市场主体类型",
        "组成形式",
        "type",
        "entity_type",
        "company_type",
        "enterprise_type",
        "type_of_enterprise",
    ),
    "legal_representative": (
        "法定代表人",
        "负责人",
        "经营者",
        "投资人",
        "执行事务合伙人",
        "首席代表",
        "legal_representative",
        "representative",
        "legal_person",
        "person_in_charge",
        "operator",
        "investor",
        "executive_partner",
    ),
    "established_on": (
        "成立日期",
        "注册日期",
        "成立时间",
        "established_on",
        "established",
        "date_established",
        "date_of_establishment",
        "establishment_date",
        "registration_date",
        "date_of_registration",
        "date_of_incorporation",
        "founded",
    ),
    "registration_authority": (
        "登记机关",
        "registration_authority",
        "registering_authority",
        "registration_office",
        "authority",
    ),
    # Kept private: where the registry tells the seller of a complaint (never published).
    "contact_email": ("邮箱", "电子邮箱", "联系邮箱", "email", "e_mail", "contact_email"),
    "registered_address": (
        "住所",
        "经营场所",
        "主要经营场所",
        "地址",
        "注册地址",
        "企业地址",
        "registered_address",
        "address",
        "domicile",
        "residence",
        "business_address",
        "place_of_business",
    ),
    "status": (
        "登记状态",
        "经营状态",
        "企业状态",
        "status",
        "registration_status",
        "operating_status",
        "business_status",
    ),
    "business_scope": ("经营范围", "business_scope", "scope", "scope_of_business"),
    "former_names": ("曾用名", "former_names", "former_name"),
    "aliases": ("别名", "简称", "aliases", "alias"),
    "english_name": ("英文名称", "英文名", "english_name", "name_in_english"),
    "category": ("行业", "类别", "category", "industry"),
    "domains": ("网站", "域名", "domains", "domain", "websites"),
    "stores": ("网店", "店铺", "stores", "store_urls", "shops"),
    "icp_number": ("icp备案号", "备案号", "icp_number", "icp"),
    "evidence_ref": ("核验凭证", "证据", "evidence_ref", "evidence"),
    "verified_at": ("核验日期", "verified_at"),
    "expires_at": ("有效期至", "expires_at", "valid_until"),
}

# Columns of the publicity system that the registry knows and deliberately does not keep,
# with the reason a submitter is told.
IGNORED_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "approved_on": (
        "the date of the latest approved change is not shown; a seller's record shows when "
        "the registry verified it",
        ("核准日期", "approval_date", "date_of_approval", "approved_on"),
    ),
    "operating_period": (
        "the operating period is not shown",
        (
            "营业期限",
            "营业期限自",
            "营业期限至",
            "营业期限起",
            "营业期限止",
            "经营期限",
            "经营期限自",
            "经营期限至",
            "operating_period",
            "operating_period_from",
            "operating_period_to",
            "period_of_operation",
            "business_term",
            "term_of_operation",
        ),
    ),
    "capital": (
        "registered and paid-in capital are not shown",
        ("注册资本", "实缴资本", "registered_capital", "paid_in_capital"),
    ),
    "registration_number": (
        "the registration number was replaced by the credit code",
        ("注册号", "工商注册号", "registration_number", "registration_no", "reg_no"),
    ),
    "organisation_code": (
        "the organisation code is part of the credit code",
        ("组织机构代码", "organization_code", "organisation_code"),
    ),
    "taxpayer_number": (
        "a company's taxpayer number is its credit code",
        ("纳税人识别号", "taxpayer_identification_number", "taxpayer_id"),
    ),
    "region": (
        "the province and city are derived from the credit code",
        ("所属地区", "所属省份", "省份", "所属城市", "城市", "province", "city", "region"),
    ),
    "contact": (
        "the registry publishes no contact details",
        ("电话", "联系电话", "phone", "telephone"),
    ),
}


# Decorations around a column name: a BOM, zero-width characters, required-field stars,
# separators and colons (after NFKC, which folds full-width forms to ASCII).
_DECORATION = re.compile(r"[\s_\-.:*\ufeff\u200b-\u200d\u2060]+")
_BRACKETS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|【([^【】]*)】|〔([^〔〕]*)〕")
#: at most this many column names are named in a report (each cut to REPORTED_NAME characters)
MAX_REPORTED = 50
REPORTED_NAME = 64


def _fold(name: str) -> str:
    return _DECORATION.sub("", unicodedata.normalize("NFKC", name)).casefold()


def _table() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for field_name, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            table[_fold(alias)] = ("field", field_name)
    for key, (_reason, aliases) in IGNORED_COLUMNS.items():
        for alias in aliases:
            table.setdefault(_fold(alias), ("ignored", key))
    return table


_LOOKUP = _table()


@lru_cache(maxsize=4096)
def column_kind(name: str) -> tuple[str, str] | None:
    """What a column name is: ("field", field name), ("ignored", key) or None (unknown).

    Besides the names themselves: a bilingual name ("企业名称(Name)", "Name（名称）"), and
    alternatives ("统一社会信用代码/注册号", "法定代表人/负责人") whose known parts agree.
    """
    folded = _fold(clean_text(name))
    found = _LOOKUP.get(folded)
    if found is not None or not folded:
        return found
    parts = [p for p in re.split(r"[/|、,;]", _BRACKETS.sub(" ", folded)) if p]
    for match in _BRACKETS.finditer(folded):
        parts += [p for group in match.groups() if group for p in re.split(r"[/|、,;]", group)]
    kinds = {_LOOKUP[_fold(p)] for p in parts if _fold(p) in _LOOKUP}
    fields = {k for k in kinds if k[0] == "field"}
    if len(fields) == 1:
        return fields.pop()
    if not fields and len(kinds) == 1:
        return kinds.pop()
    return None  # nothing known, or parts naming different fields: ambiguous


def canonical_key(name: str) -> str | None:
    """The field a column fills, or None (unknown or deliberately ignored)."""
    kind = column_kind(name)
    return kind[1] if kind is not None and kind[0] == "field" else None


def _reported(name: Any) -> str:
    return clean_text(str(name))[:REPORTED_NAME]


@dataclass(frozen=True)
class Columns:
    """What became of a record's or a file's columns besides the fields they fill."""

    unknown: tuple[str, ...] = ()
    ignored: tuple[tuple[str, str], ...] = ()  # (column, reason)
    duplicates: tuple[tuple[str, str], ...] = ()  # (column, field another column also fills)

    @classmethod
    def of(cls, names: Iterable[Any]) -> tuple[tuple[str | None, ...], Columns]:
        """The field of each column name, in order, and what the others are."""
        names = tuple(names)
        if all(type(n) is str for n in names):
            return _columns_of(names)  # JSON records mostly repeat one set of keys
        return _columns_of.__wrapped__(names)


@lru_cache(maxsize=256)
def _columns_of(names: tuple[Any, ...]) -> tuple[tuple[str | None, ...], Columns]:
    keys: list[str | None] = []
    unknown: list[str] = []
    ignored: list[tuple[str, str]] = []
    duplicates: list[tuple[str, str]] = []
    for position, name in enumerate(names, start=1):
        kind = column_kind(str(name)) if name is not None else None
        key = kind[1] if kind is not None and kind[0] == "field" else None
        shown = _reported(name) if name is not None else ""
        shown = shown or f"(unnamed column {position})"
        if kind is None:
            unknown.append(shown)
        elif kind[0] == "ignored":
            ignored.append((shown, IGNORED_COLUMNS[kind[1]][0]))
        elif key in keys:
            duplicates.append((shown, str(key)))
        keys.append(key)
    return tuple(keys), Columns(tuple(unknown), tuple(ignored), tuple(duplicates))


class Fields(dict):
    """A record's fields by field name; ``columns`` says what its other columns were."""

    columns: Columns = Columns()


@dataclass
class ColumnReport:
    """The columns of one file or body that fill no field, each named once, in order."""

    unknown: list[str] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)  # column -> reason
    duplicates: dict[str, str] = field(default_factory=dict)  # column -> field

    def add(self, columns: Columns) -> None:
        for name in columns.unknown:
            if name not in self.unknown and len(self.unknown) < MAX_REPORTED:
                self.unknown.append(name)
        for name, reason in columns.ignored:
            if len(self.ignored) < MAX_REPORTED:
                self.ignored.setdefault(name, reason)
        for name, key in columns.duplicates:
            if len(self.duplicates) < MAX_REPORTED:
                self.duplicates.setdefault(name, key)

    def warnings(self) -> list[dict[str, Any]]:
        """The report as warnings: code, message (English, for the API and the CLI), columns."""
        out: list[dict[str, Any]] = []
        if self.unknown:
            out.append(
                {
                    "code": "unknown_columns",
                    "message": "columns not recognised, their values were not imported: "
                    + ", ".join(self.unknown),
                    "columns": list(self.unknown),
                }
            )
        if self.duplicates:
            out.append(
                {
                    "code": "duplicate_columns",
                    "message": "columns filling a field another column fills too (the later "
                    "non-empty value is kept): "
                    + ", ".join(f"{n} ({k})" for n, k in self.duplicates.items()),
                    "columns": list(self.duplicates),
                }
            )
        if self.ignored:
            out.append(
                {
                    "code": "ignored_columns",
                    "message": "known columns the registry does not keep: "
                    + "; ".join(f"{n}: {r}" for n, r in self.ignored.items()),
                    "columns": list(self.ignored),
                    "reasons": dict(self.ignored),
                }
            )
        return out


def column_report(records: Iterable[Any]) -> ColumnReport:
    """The columns of these records (one file or body) that fill no field."""
    report = ColumnReport()
    seen: set[int] = set()
    for record in records:
        columns = getattr(record.data, "columns", None)
        if columns is not None and id(columns) not in seen:  # a CSV's rows share one
            seen.add(id(columns))
            report.add(columns)
    return report

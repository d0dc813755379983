"""Every column of a registration batch fills a field, is ignored with a reason, or is reported."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from registry.registration.columns import column_kind, column_report
from registry.registration.importing import parse_batch
from registry.registration.validation import validate_registration

from ...factories import new_code

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _one(body: str, fmt: str = "csv"):
    records = list(parse_batch(body.encode("utf-8"), fmt))
    assert len(records) == 1 and records[0].error is None, records
    return records[0]


ENGLISH_HEADER = (
    "Unified Social Credit Code,Name,Type,Legal Representative,Date of Establishment,"
    "Registration Authority,Address,Status,Business Scope"
)


def test_the_english_rendering_of_the_publicity_system_fills_every_field():
    code = new_code()
    record = _one(
        f"{ENGLISH_HEADER}\n{code},杭州英文表头有限公司,Limited liability company,王伟,"
        "2019-05-06,杭州市市场监督管理局,杭州市西湖区演示路1号,存续,网上销售\n"
    )
    reg = validate_registration(record.data, NOW)
    assert reg.seller["legal_representative"] == "王伟"
    assert reg.seller["established_on"] == date(2019, 5, 6)
    assert reg.seller["registration_authority"] == "杭州市市场监督管理局"
    assert reg.seller["registered_address"] == "杭州市西湖区演示路1号"
    assert reg.seller["status"] == "in_business"
    assert reg.seller["business_scope"] == "网上销售"
    assert column_report([record]).warnings() == []


@pytest.mark.parametrize(
    "header",
    [
        "成立日期",
        "registration_date",
        "Registration Date",
        "established",
        "Date of Establishment",
        "date_of_establishment",
        "成立日期：",
        "成立日期(Date of Establishment)",
        "Date of Establishment（成立日期）",
        "\ufeff成立日期",
        "ＲＥＧＩＳＴＲＡＴＩＯＮ＿ＤＡＴＥ",
    ],
)
def test_every_name_of_the_establishment_date_is_kept(header):
    record = _one(f"统一社会信用代码,企业名称,{header}\n{new_code()},杭州日期有限公司,2020/01/02\n")
    assert validate_registration(record.data, NOW).seller["established_on"] == date(2020, 1, 2)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("LEGAL REPRESENTATIVE", "legal_representative"),
        ("法定代表人/负责人", "legal_representative"),
        ("执行事务合伙人", "legal_representative"),
        ("统一社会信用代码/注册号", "identifier"),
        ("*企业名称", "legal_name"),
        ("企业名称【Name】", "legal_name"),
        ("住所/经营场所", "registered_address"),
        ("Registration Authority", "registration_authority"),
        ("Enterprise Type", "entity_type"),
        ("Operating Status", "status"),
        ("English Name", "english_name"),
        ("Scope of Business", "business_scope"),
    ],
)
def test_spelling_variants_of_known_headers(header, field):
    assert column_kind(header) == ("field", field)


@pytest.mark.parametrize(
    "header",
    [
        "核准日期",
        "Date of Approval",
        "营业期限自",
        "营业期限至",
        "注册资本",
        "注册号",
        "联系电话",
        "所属省份",
    ],
)
def test_known_columns_the_registry_does_not_keep_are_ignored_with_a_reason(header):
    kind = column_kind(header)
    assert kind is not None and kind[0] == "ignored"


def test_names_that_name_two_different_fields_are_not_guessed():
    assert column_kind("企业名称/住所") is None


def test_unknown_columns_are_reported_once_per_file_with_their_names():
    rows = "".join(f"{new_code()},杭州报告{i}有限公司,x{i},y{i},2025/01/01\n" for i in range(3))
    records = list(
        parse_batch(f"统一社会信用代码,企业名称,Foo,备注,核准日期\n{rows}".encode(), "csv")
    )
    report = column_report(records)
    assert report.unknown == ["Foo", "备注"]
    assert list(report.ignored) == ["核准日期"] and "verified" in report.ignored["核准日期"]
    codes = [w["code"] for w in report.warnings()]
    assert codes == ["unknown_columns", "ignored_columns"]
    assert "Foo, 备注" in report.warnings()[0]["message"]


def test_json_keys_unknown_in_any_record_are_reported():
    body = json.dumps(
        [
            {"uscc": new_code(), "name": "甲", "colour": "red"},
            {"uscc": new_code(), "name": "乙", "colour": "blue", "mood": "fine"},
        ]
    )
    records = list(parse_batch(body.encode(), "json"))
    assert column_report(records).unknown == ["colour", "mood"]


def test_two_columns_for_one_field_are_reported():
    records = list(parse_batch(f"企业名称,名称,uscc\n甲,乙,{new_code()}\n".encode(), "csv"))
    [warning] = column_report(records).warnings()
    assert warning["code"] == "duplicate_columns" and warning["columns"] == ["名称"]


def test_a_hostile_header_is_reported_cut_short_and_capped():
    names = [f"列{i}" + "x" * 500 for i in range(200)]
    header = ",".join(["uscc", "name", *names])
    records = list(parse_batch(f"{header}\n{new_code()},甲{',' * 200}\n".encode(), "csv"))
    report = column_report(records)
    assert len(report.unknown) == 50 and all(len(n) <= 64 for n in report.unknown)


def test_a_missing_status_is_unknown_never_in_business():
    reg = validate_registration({"identifier": new_code(), "legal_name": "甲"}, NOW)
    assert "status" not in reg.seller  # a new seller gets the model's "unknown"
    for given in ("未提供", "unknown", "Not provided"):
        reg = validate_registration(
            {"identifier": new_code(), "legal_name": "甲", "status": given}, NOW
        )
        assert reg.seller["status"] == "unknown"


def test_null_is_a_field_not_given_and_never_the_text_none():
    reg = validate_registration(
        {"identifier": new_code(), "legal_name": "甲", "english_name": None, "status": None}, NOW
    )
    assert "english_name" not in reg.seller and "status" not in reg.seller


def test_a_list_or_object_where_text_belongs_is_a_field_error():
    with pytest.raises(Exception) as info:
        validate_registration({"identifier": new_code(), "legal_name": ["甲", "乙"]}, NOW)
    assert info.value.details == {"legal_name": "must be text"}

from __future__ import annotations

import json

import pytest

from registry.errors import BadPayload, UnsupportedMediaType
from registry.importing import decode_text, parse_batch, sniff_format

HEADER = "统一社会信用代码,企业名称,类型,法定代表人,成立日期,登记机关,住所,登记状态,经营范围\n"


def test_csv_with_publicity_headers_in_gb18030():
    body = (
        HEADER + "91110000600037341L,北京测试科技有限公司,有限责任公司,王伟,2015/03/02,"
        "北京市市场监督管理局,北京市海淀区,存续,软件开发\n"
    ).encode("gb18030")
    [record] = parse_batch(body, "csv")
    assert record.line == 2
    assert record.data["legal_name"] == "北京测试科技有限公司"
    assert record.data["identifier"] == "91110000600037341L"
    assert record.data["status"] == "存续"


def test_csv_utf8_with_bom_full_width_header_and_stray_spaces():
    body = "\ufeff 统一社会信用代码 ,企业名称 \n91110000600037341L , 测试 \n".encode("utf-8")
    [record] = parse_batch(body, "csv")
    assert record.data == {"identifier": "91110000600037341L ", "legal_name": " 测试 "}


def test_csv_english_headers():
    body = b"USCC,Legal Name,Status\n91110000600037341L,Test Co,in_business\n"
    [record] = parse_batch(body, "csv")
    assert record.data["legal_name"] == "Test Co"


def test_csv_line_numbers_count_quoted_newlines():
    body = (
        HEADER.split(",")[0] + ",企业名称\n"
        '91110000600037341L,"多行\n名称"\n'
        "91110000600037341L,第二\n"
    ).encode()
    records = list(parse_batch(body, "csv"))
    assert [r.line for r in records] == [2, 4]


def test_csv_without_code_column_is_a_clear_error():
    with pytest.raises(BadPayload) as info:
        list(parse_batch("名称,地址\n甲,乙\n".encode(), "csv"))
    assert "line 1" in info.value.message


def test_json_array_and_jsonl():
    rows = [
        {"uscc": "91110000600037341L", "name": "甲"},
        {"统一社会信用代码": "x", "企业名称": "乙"},
    ]
    assert [r.data["legal_name"] for r in parse_batch(json.dumps(rows).encode(), "json")] == [
        "甲",
        "乙",
    ]
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n"
    records = list(parse_batch(lines.encode(), "jsonl"))
    assert records[2].line == 3 and records[2].error


def test_invalid_json_is_bad_payload():
    with pytest.raises(BadPayload):
        list(parse_batch(b"[{", "json"))


def test_sniff_format():
    assert sniff_format("text/csv; charset=gbk") == "csv"
    assert sniff_format("application/x-ndjson") == "jsonl"
    assert sniff_format(None, "x.JSONL") == "jsonl"
    with pytest.raises(UnsupportedMediaType):
        sniff_format("text/plain")


def test_decode_rejects_binary():
    with pytest.raises(BadPayload):
        decode_text(b"\xff\xfe\x00\x81\x30\x81", "utf-8")

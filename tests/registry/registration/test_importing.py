from __future__ import annotations

import json

import pytest

from registry.core.errors import BadPayload, PayloadTooLarge, UnsupportedMediaType
from registry.core.payload import LIMITS, Limits
from registry.registration.importing import decode_text, parse_batch, sniff_format

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


# -- hostile bodies: each ends as a rejected record with its line, or a refused batch ---------

SMALL = Limits(depth=4, number_chars=10, string_chars=20, line_chars=60, csv_columns=5)
GOOD = {"uscc": "91110000600037341L", "name": "甲"}


def _errors(body: bytes, fmt: str, limits: Limits = SMALL) -> list[tuple[int, str | None]]:
    return [(r.line, r.error) for r in parse_batch(body, fmt, canonical=False, limits=limits)]


def test_json_nested_5000_deep_is_bad_payload_naming_the_line():
    body = b'[{"a": 1},\n' + b"[" * 5000 + b"]" * 5000 + b"]"
    with pytest.raises(BadPayload) as info:
        list(parse_batch(body, "json"))
    assert info.value.details == {"line": 2} and "nested deeper than 16" in info.value.message


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_record_nested_past_the_limit_is_rejected_alone(fmt):
    deep = {"a": {"b": {"c": {"d": {"e": 1}}}}}
    items = [GOOD, deep, GOOD]
    body = (json.dumps(items) if fmt == "json" else "\n".join(map(json.dumps, items))).encode()
    errors = _errors(body, fmt)
    assert errors[0] == (1, None) and errors[2] == (3, None)
    assert errors[1][0] == 2 and "nested deeper than 4 levels" in errors[1][1]


def test_jsonl_line_nested_5000_deep_is_that_line_rejected():
    body = json.dumps(GOOD).encode() + b"\n" + b"[" * 5000 + b"]" * 5000
    errors = _errors(body, "jsonl", LIMITS)
    assert errors[0] == (1, None)
    assert errors[1][0] == 2 and "nested deeper than 16" in errors[1][1]


@pytest.mark.parametrize(
    "value, reason",
    [
        ("1" * 6000, "a number of 6000 characters"),
        ("-" + "9" * 5000, "a number of 5001 characters"),
        ("1e999", "'1e999' is out of range"),
        ("-1e999", "out of range"),
        ("NaN", "NaN is not a JSON number"),
        ("Infinity", "Infinity is not a JSON number"),
        ("-Infinity", "-Infinity is not a JSON number"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_numbers_outside_the_limits_reject_their_record(fmt, value, reason):
    bad = '{"uscc": "x", "amount": ' + value + "}"
    good = json.dumps(GOOD)
    body = f"[{good}, {bad}]" if fmt == "json" else f"{good}\n{bad}"
    errors = _errors(body.encode(), fmt, LIMITS)
    assert errors[0] == (1, None)
    assert errors[1][0] == 2 and errors[1][1].startswith("amount: ") and reason in errors[1][1]


@pytest.mark.parametrize(
    "record, reason",
    [
        ('{"a": 1, "a": 2}', "the key 'a' appears twice"),
        ('{"a": "\\ud800"}', "a: a lone surrogate (U+D800)"),
        ('{"a": ["x", "\\udfff y"]}', "a[1]: a lone surrogate (U+DFFF)"),
        ('{"a\\u0000": 1}', "a key in the object: a NUL character"),
        ('{"a": "x\\u0000y"}', "a: a NUL character"),
        ('{"a": "%s"}' % ("x" * 21), "a: 21 characters (the limit is 20)"),
        ('{"a": {"%s": 1}}' % ("k" * 21), "a key in a: 21 characters"),
    ],
)
def test_strings_and_keys_outside_the_limits_reject_their_record(record, reason):
    [(line, error)] = _errors(record.encode(), "jsonl")
    assert line == 1 and reason in error


def test_a_surrogate_pair_is_one_character_not_an_error():
    [record] = parse_batch(b'{"name": "\\ud83d\\ude00", "uscc": "x"}', "jsonl")
    assert record.error is None and record.data["legal_name"] == "\U0001f600"


def test_jsonl_lines_end_at_newline_only():
    # U+2028, U+0085 and \x1c are line breaks to str.splitlines(), not to JSON Lines.
    body = json.dumps({"name": "甲\u2028乙\x85丙\x1c丁", "uscc": "x"}, ensure_ascii=False)
    body += "\r\n" + json.dumps(GOOD)
    records = list(parse_batch(body.encode(), "jsonl"))
    assert [(r.line, r.error) for r in records] == [(1, None), (2, None)]
    assert records[0].data["legal_name"] == "甲\u2028乙\x85丙\x1c丁"


def test_jsonl_line_past_the_limit_is_rejected_unparsed():
    body = (json.dumps(GOOD) + "\n" + json.dumps({"a": "x" * 100})).encode()
    assert _errors(body, "jsonl") == [(1, None), (2, "a line of 109 characters (the limit is 60)")]


CSV_HEAD = "uscc,name\n"


def test_csv_field_past_the_csv_module_limit_refuses_the_batch_with_its_line():
    # After such an error csv resumes inside the quoted field and would read its text as rows.
    body = (CSV_HEAD + "91110000600037341L,甲\n" + 'x,"' + "y" * 200_000 + '\nz,w\n"\n').encode()
    with pytest.raises(BadPayload) as info:
        list(parse_batch(body, "csv"))
    assert info.value.details == {"line": 3} and "line 3" in info.value.message


def test_csv_cell_past_the_limit_rejects_its_row():
    body = (CSV_HEAD + "a,b\n" + "c," + "d" * 21 + "\n" + "e,f\x00g\n").encode()
    assert _errors(body, "csv") == [
        (2, None),
        (3, "name: 21 characters (the limit is 20)"),
        (4, "name: a NUL character"),
    ]


def test_csv_row_past_the_limit_is_rejected():
    body = ("uscc,name,c,d,e\n" + ",".join(["x" * 15] * 5) + "\n").encode()
    [(line, error)] = _errors(body, "csv", Limits(line_chars=60))
    assert line == 2 and error == "a row of 75 characters (the limit is 60)"


def test_csv_with_a_million_columns_is_refused_at_line_1():
    body = ("uscc,name" + ",c" * 1_000_000 + "\n").encode()
    with pytest.raises(BadPayload) as info:
        list(parse_batch(body, "csv"))
    assert info.value.details == {"line": 1} and "1000002 columns" in info.value.message


def test_record_limit_stops_reading_early():
    body = "\n".join([json.dumps(GOOD)] * 5).encode()
    with pytest.raises(PayloadTooLarge) as info:
        list(parse_batch(body, "jsonl", limits=Limits(records=3)))
    assert info.value.details["line"] == 4


@pytest.mark.parametrize("charset", ["x-unknown", "unicode_escape", "utf-7", "rot13", "utf-16"])
def test_unknown_or_unsafe_charset_is_unsupported(charset):
    # unicode_escape would turn "\ud800" in a CSV into a lone surrogate.
    with pytest.raises(UnsupportedMediaType):
        list(parse_batch(b'uscc,name\nx,"\\ud800"\n', "csv", charset))


@pytest.mark.parametrize("charset", ["UTF-8", "utf8", "us-ascii", "GBK", "gb2312", '"gb18030"'])
def test_known_charsets_decode(charset):
    body = "uscc,name\nx,甲\n".encode(
        "gb18030" if charset.lower().strip('"')[:2] == "gb" else "utf-8"
    )
    if charset == "us-ascii":
        body = b"uscc,name\nx,y\n"
    [record] = parse_batch(body, "csv", charset)
    assert record.error is None


def test_gb18030_declared_utf8_names_the_line():
    body = "uscc,name\nx,甲\ny,乙\n".encode("gb18030")
    with pytest.raises(BadPayload) as info:
        decode_text(body, "utf-8")
    assert info.value.details == {"line": 2} and "not valid UTF-8" in info.value.message

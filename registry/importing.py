"""Read registration batches as regulators export them: JSON, JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .columns import Columns, Fields
from .errors import BadPayload, UnsupportedMediaType
from .identifiers import clean_text

JSON_TYPES = {"application/json"}
JSONL_TYPES = {
    "application/x-ndjson",
    "application/jsonl",
    "application/json-lines",
    "application/x-jsonlines",
    "application/jsonlines",
}
CSV_TYPES = {"text/csv", "application/csv", "text/comma-separated-values"}


@dataclass
class RawRecord:
    """One submitted record: where it was (line or position) and its canonical fields."""

    line: int
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def _canonical(record: dict[str, Any]) -> dict[str, Any]:
    """Keep the known columns under their field names; note the others (see Columns)."""
    names = list(record)
    keys, columns = Columns.of(names)
    data = Fields()
    for name, key in zip(names, keys):
        value = record[name]
        if key is not None and value not in (None, ""):
            data[key] = value
    if columns != Columns():
        data.columns = columns
    return data


def decode_text(body: bytes, charset: str | None = None) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030, the two encodings regulators export."""
    if charset:
        charset = charset.lower().strip()
        if charset in {"gbk", "gb2312", "gb18030", "cp936"}:
            charset = "gb18030"
        try:
            return body.decode("utf-8-sig" if charset in {"utf-8", "utf8"} else charset)
        except (LookupError, UnicodeDecodeError) as exc:
            raise BadPayload(f"body is not valid {charset}: {exc}") from None
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError:
        raise BadPayload("body is neither UTF-8 nor GB18030 text") from None


def sniff_format(content_type: str | None, filename: str | None = None) -> str:
    """Map a content type (or, on the command line, a file name) to json, jsonl or csv."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in JSON_TYPES:
        return "json"
    if mime in JSONL_TYPES:
        return "jsonl"
    if mime in CSV_TYPES:
        return "csv"
    if filename:
        lower = filename.lower()
        for suffix, kind in (
            (".jsonl", "jsonl"),
            (".ndjson", "jsonl"),
            (".json", "json"),
            (".csv", "csv"),
        ):
            if lower.endswith(suffix):
                return kind
    raise UnsupportedMediaType(
        f"unsupported content type {mime or '(none)'!r}; send application/json, "
        "application/x-ndjson or text/csv"
    )


def parse_batch(
    body: bytes, fmt: str, charset: str | None = None, *, canonical: bool = True
) -> Iterator[RawRecord]:
    """Yield the records of a body in order; a malformed record is yielded with its error.

    ``canonical`` maps registration column names (Chinese or English) to field names; other
    record kinds (events) keep their keys as sent.
    """
    text = decode_text(body, charset)
    if fmt == "json":
        yield from _parse_json(text, canonical)
    elif fmt == "jsonl":
        yield from _parse_jsonl(text, canonical)
    elif fmt == "csv":
        yield from _parse_csv(text)
    else:  # pragma: no cover - sniff_format only returns the three above
        raise UnsupportedMediaType(f"unknown format {fmt!r}")


def _fields(item: dict[str, Any], canonical: bool) -> dict[str, Any]:
    return _canonical(item) if canonical else item


def _parse_json(text: str, canonical: bool = True) -> Iterator[RawRecord]:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadPayload(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if isinstance(payload, dict) and isinstance(payload.get("data"), list):
        payload = payload["data"]
    if not isinstance(payload, list):
        raise BadPayload("expected a JSON array of registrations")
    for position, item in enumerate(payload, start=1):
        if not isinstance(item, dict):
            yield RawRecord(position, error="record is not a JSON object")
            continue
        yield RawRecord(position, _fields(item, canonical))


def _parse_jsonl(text: str, canonical: bool = True) -> Iterator[RawRecord]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RawRecord(number, error=f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(item, dict):
            yield RawRecord(number, error="record is not a JSON object")
            continue
        yield RawRecord(number, _fields(item, canonical))


def _parse_csv(text: str) -> Iterator[RawRecord]:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise BadPayload(f"line 1: unreadable CSV header: {exc}") from None
    keys, columns = Columns.of(header)
    if "identifier" not in keys or "legal_name" not in keys:
        raise BadPayload(
            "line 1: CSV header needs a credit code column (统一社会信用代码 or uscc) and a "
            f"name column (企业名称 or legal_name); got {', '.join(clean_text(h) for h in header)}"
        )
    while True:
        start_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRecord(start_line, error=f"unreadable CSV row: {exc}")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            yield RawRecord(start_line, error=f"{len(row)} cells but the header has {len(header)}")
            continue
        data = Fields((k, v) for k, v in zip(keys, row) if k is not None and v.strip())
        data.columns = columns
        yield RawRecord(start_line, data)

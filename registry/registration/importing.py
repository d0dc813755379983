"""Read registration batches as regulators export them: JSON, JSON Lines or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import BadPayload, PayloadTooLarge, UnsupportedMediaType
from ..core.identifiers import clean_text
from ..core.payload import (
    LIMITS,
    Hazards,
    Limits,
    Refused,
    check,
    check_cell,
    decode_text,
    hazards,
    load_json,
    plainly_within,
    printable,
    shown,
)
from .columns import Columns, Fields

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
    body: bytes,
    fmt: str,
    charset: str | None = None,
    *,
    canonical: bool = True,
    limits: Limits = LIMITS,
) -> Iterator[RawRecord]:
    """Yield the records of a body in order; a malformed record is yielded with its error.

    ``canonical`` maps registration column names (Chinese or English) to field names; other
    record kinds (events, sanctions, fraud reports) keep their keys (CSV column names) as
    sent. A record outside the limits is yielded with its error; a body that cannot be read
    as a whole (or holds more than ``limits.records``) raises BadPayload (PayloadTooLarge)
    when it is met, so callers read every record before they write any.
    """
    text = decode_text(body, charset)
    if fmt == "json":
        records = _parse_json(text, canonical, limits)
    elif fmt == "jsonl":
        records = _parse_jsonl(text, canonical, limits)
    elif fmt == "csv":
        records = _parse_csv(text, limits, canonical)
    else:  # pragma: no cover - sniff_format only returns the three above
        raise UnsupportedMediaType(f"unknown format {fmt!r}")
    for count, record in enumerate(records, start=1):
        if limits.records is not None and count > limits.records:
            raise PayloadTooLarge(
                f"more than {limits.records} records in one batch; send it in parts",
                {"line": record.line, "limit": limits.records},
            )
        yield record


def _fields(item: dict[str, Any], canonical: bool) -> dict[str, Any]:
    return _canonical(item) if canonical else item


def _record(line: int, item: Any, may: Hazards, canonical: bool, limits: Limits) -> RawRecord:
    if type(item) is not dict:
        reason = item.reason if type(item) is Refused else "record is not a JSON object"
        return RawRecord(line, error=reason)
    problem = check(item, limits, may)
    if problem:
        return RawRecord(line, error=": ".join(problem))
    return RawRecord(line, _fields(item, canonical))


def _parse_json(text: str, canonical: bool, limits: Limits) -> Iterator[RawRecord]:
    payload = load_json(text, limits)
    if type(payload) is dict and type(payload.get("data")) is list:
        payload = payload["data"]
    if type(payload) is Refused:
        raise BadPayload(f"the batch: {payload.reason}")
    if type(payload) is not list:
        raise BadPayload("expected a JSON array of records")
    may = hazards(text, limits)
    for position, item in enumerate(payload, start=1):
        yield _record(position, item, may, canonical, limits)


def _parse_jsonl(text: str, canonical: bool, limits: Limits) -> Iterator[RawRecord]:
    # Lines end at \n only: str.splitlines() would also break a record at a U+2028 or a
    # \x1c inside one of its strings, which JSON allows unescaped.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(line) > limits.line_chars:
            yield RawRecord(
                number, error=f"a line of {len(line)} characters (the limit is {limits.line_chars})"
            )
            continue
        made = Refused.made
        try:
            item = load_json(line, limits)
        except BadPayload as exc:
            message = exc.message.replace(" at line 1 column", " at column")
            yield RawRecord(number, error=message)
            continue
        if type(item) is dict and plainly_within(line, limits, made):
            yield RawRecord(number, _fields(item, canonical))  # most lines: nothing to look at
            continue
        yield _record(number, item, hazards(line, limits), canonical, limits)


def _plain_keys(header: list[str]) -> tuple[str, ...]:
    """The column names of a CSV of events, sanctions or fraud reports, as sent (trimmed)."""
    keys = tuple(clean_text(h) for h in header)
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise BadPayload(
            "line 1: a column named twice: " + ", ".join(shown(k, 30) for k in repeated[:5]),
            {"line": 1},
        )
    return keys


def _parse_csv(text: str, limits: Limits, canonical: bool = True) -> Iterator[RawRecord]:
    def cell_problem(name: str, cell: str) -> str | None:
        problem = check_cell(cell, limits)
        return f"{printable(clean_text(name), 30)}: {problem}" if problem else None

    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise BadPayload(f"line 1: unreadable CSV header: {exc}", {"line": 1}) from None
    if len(header) > limits.csv_columns:
        raise BadPayload(
            f"line 1: {len(header)} columns (the limit is {limits.csv_columns})", {"line": 1}
        )
    problem = next(filter(None, (check_cell(h, limits) for h in header)), None)
    if problem:
        raise BadPayload(f"line 1: a column name of {problem}", {"line": 1})
    if canonical:
        keys, columns = Columns.of(header)
    else:
        keys, columns = _plain_keys(header), Columns()
    if canonical and ("identifier" not in keys or "legal_name" not in keys):
        raise BadPayload(
            "line 1: CSV header needs a credit code column (统一社会信用代码 or uscc) and a "
            "name column (企业名称 or legal_name); got "
            + ", ".join(shown(clean_text(h), 30) for h in header[:30]),
            {"line": 1},
        )
    while True:
        start_line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader resumes at the next physical line, inside a quoted field perhaps,
            # and would read its text as rows: the batch is refused as a whole.
            raise BadPayload(
                f"line {start_line}: unreadable CSV: {exc}", {"line": start_line}
            ) from None
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            yield RawRecord(start_line, error=f"{len(row)} cells but the header has {len(header)}")
            continue
        size = sum(map(len, row))
        problem = (
            f"a row of {size} characters (the limit is {limits.line_chars})"
            if size > limits.line_chars
            else next(filter(None, map(cell_problem, header, row)), None)
        )
        if problem:
            yield RawRecord(start_line, error=problem)
            continue
        data = Fields((k, v) for k, v in zip(keys, row) if k and v.strip())
        if canonical:
            data.columns = columns
        yield RawRecord(start_line, data)

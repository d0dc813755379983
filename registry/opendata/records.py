"""The lines of the open data exports, generated one chunk of records at a time.

Each generator yields ``bytes``: one chunk's lines encoded together, so a response or a file
receives a few large writes, and memory holds one chunk of rows whatever the registry's size.
Every seller line is a projection of the one public seller view (``stream_views``); every
complaint line is the public view the complaint pages show (``ComplaintQueries``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from ..complaints.queries import ComplaintQueries
from ..core.types import utcnow
from ..disputes import service as disputes
from ..read.public import record
from ..read.rates import read_fulfillments
from ..read.view import SellerView, stream_views

CHUNK = 500

#: the columns of sellers.csv, in order (the JSON Lines record holds these and more)
CSV_COLUMNS = (
    "id",
    "legal_name",
    "english_name",
    "entity_type",
    "status",
    "codes",
    "verified",
    "province",
    "city",
    "category",
    "domains",
    "grade",
    "score",
    "risk_flags",
    "demo",
    "complaints",
    "fraud_reports",
    "sanctions",
    "scoring_version",
    "scored_at",
    "updated_at",
)
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection):
# such a text cell is written with a leading apostrophe, which they show as plain text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _json_lines(records: list[dict[str, Any]]) -> bytes:
    text = "".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=_plain) + "\n"
        for r in records
    )
    return text.encode("utf-8")


def seller_record(
    view: SellerView,
    fulfillment: dict[str, Any] | None = None,
    disputed: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A seller's open data record: the API's record, with its public counts."""
    return {**record(view, fulfillment, disputed), "counts": dict(view.counts or {})}


def seller_lines(session: Session, chunk: int = CHUNK) -> Iterator[bytes]:
    """Yield sellers.jsonl: one JSON object per seller, in id order."""
    now = utcnow()
    for views in stream_views(session, chunk=chunk):
        rates = read_fulfillments(session.connection(), [v.seller_id for v in views], now)
        found = disputes.published(session, [v.seller_id for v in views if v.has_events])
        yield _json_lines(
            [seller_record(v, rates[v.seller_id], found.get(v.seller_id, [])) for v in views]
        )


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(view: SellerView) -> list[Any]:
    """A seller's row of sellers.csv (CSV_COLUMNS): what the pages show, flat."""
    shown, score, counts = view.shown, view.score, view.counts or {}
    row = {
        "id": view.public_id,
        "legal_name": view.legal_name,
        "english_name": view.english_name,
        "entity_type": view.entity_type,
        "status": view.status,
        "codes": ";".join(f"{i.scheme}:{i.value}" for i in view.identities),
        "verified": "true" if view.verified else "false",
        "province": view.province,
        "city": view.city,
        "category": view.category,
        "domains": ";".join(d.domain for d in view.domains),
        "grade": shown.grade,
        "score": "" if shown.score is None else f"{shown.score:.1f}",
        "risk_flags": ";".join(shown.flags),
        "demo": "true" if shown.demo else "false",
        "complaints": counts.get("complaints", 0),
        "fraud_reports": counts.get("fraud_reports", 0),
        "sanctions": counts.get("sanctions", 0),
        "scoring_version": score.version if score else "",
        "scored_at": score.computed_at.isoformat() if score and score.computed_at else "",
        "updated_at": view.updated_at.isoformat() if view.updated_at else "",
    }
    return [_cell(row[name]) for name in CSV_COLUMNS]


def seller_csv(session: Session, chunk: int = CHUNK) -> Iterator[bytes]:
    """Yield sellers.csv: a UTF-8 byte order mark, the header, one row per seller.

    Excel reads a CSV file without a byte order mark in the system's ANSI code page (GBK on
    a Chinese Windows, cp1252 elsewhere), so UTF-8 Chinese names turn into mojibake; with
    the mark it reads UTF-8. Other readers (Python's ``utf-8-sig``, pandas, LibreOffice)
    skip it.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for views in stream_views(session, chunk=chunk):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(csv_row(v) for v in views)
        yield buffer.getvalue().encode("utf-8")


def complaint_lines(session: Session, chunk: int = CHUNK) -> Iterator[bytes]:
    """Yield complaints.jsonl: the public view of every public complaint, oldest first."""
    for views in ComplaintQueries(session).public_stream(chunk):
        yield _json_lines(views)

"""Open data downloads: every public seller and every public complaint, as files.

The nightly file (``web.jobs.write_open_data``) is sent when there is one, with
``Last-Modified`` and ``ETag`` (a conditional GET gets 304, a ``Range`` its part); before the
first night the export is streamed from the database, a chunk of rows at a time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, current_app, send_file, stream_with_context

from registry.core.errors import NotFound
from registry.opendata import EXPORTS, Export, checksum_path

from ..config import open_data_dir
from ..db import get_session
from . import bp
from .contract import answer, operation

if TYPE_CHECKING:
    from pathlib import Path


def _nightly(name: str) -> Path:
    return open_data_dir(current_app) / name


def _download(export: Export):
    path = _nightly(export.name)
    mimetype = f"{export.media_type}; charset=utf-8"
    if path.is_file() and checksum_path(path).is_file():
        response = send_file(path, mimetype=mimetype, conditional=True, etag=True, max_age=3600)
    else:
        # A generator response: the session (and its app context) lives until the last
        # chunk is sent, and only one chunk of rows is held at a time.
        response = Response(stream_with_context(export.lines(get_session())), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.name}"'
    return response


@bp.get("/export/sellers.jsonl")
@operation(
    "Every public seller record, one JSON object a line",
    answers=[
        answer(
            200,
            media=("application/x-ndjson",),
            description="The file (the nightly one, else streamed)",
        ),
        answer(304),
    ],
)
def export_sellers_jsonl():
    return _download(EXPORTS["sellers.jsonl"])


@bp.get("/export/sellers.csv")
@operation(
    "Every public seller, flat, as CSV (UTF-8 with a BOM)",
    answers=[
        answer(200, media=("text/csv",), description="The file (the nightly one, else streamed)"),
        answer(304),
    ],
)
def export_sellers_csv():
    return _download(EXPORTS["sellers.csv"])


@bp.get("/export/complaints.jsonl")
@operation(
    "Every public complaint, one JSON object a line",
    answers=[
        answer(
            200,
            media=("application/x-ndjson",),
            description="The file (the nightly one, else streamed)",
        ),
        answer(304),
    ],
)
def export_complaints_jsonl():
    return _download(EXPORTS["complaints.jsonl"])


def _checksum(name: str):
    """The nightly file's checksum, in ``sha256sum`` format (404 before the first night)."""
    path = checksum_path(_nightly(name))
    if not path.is_file():
        raise NotFound(f"no nightly {name} yet: the export is streamed until the first night")
    response = send_file(path, mimetype="text/plain; charset=utf-8", conditional=True, etag=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


@bp.get("/export/sellers.jsonl.sha256")
@operation(
    "The nightly sellers.jsonl's SHA-256 (sha256sum format)",
    answers=[
        answer(200, media=("text/plain",), description="`<hex>  sellers.jsonl`"),
        answer(304),
        answer(404, description="No nightly file yet"),
    ],
)
def export_sellers_jsonl_checksum():
    return _checksum("sellers.jsonl")


@bp.get("/export/sellers.csv.sha256")
@operation(
    "The nightly sellers.csv's SHA-256 (sha256sum format)",
    answers=[
        answer(200, media=("text/plain",), description="`<hex>  sellers.csv`"),
        answer(304),
        answer(404, description="No nightly file yet"),
    ],
)
def export_sellers_csv_checksum():
    return _checksum("sellers.csv")


@bp.get("/export/complaints.jsonl.sha256")
@operation(
    "The nightly complaints.jsonl's SHA-256 (sha256sum format)",
    answers=[
        answer(200, media=("text/plain",), description="`<hex>  complaints.jsonl`"),
        answer(304),
        answer(404, description="No nightly file yet"),
    ],
)
def export_complaints_jsonl_checksum():
    return _checksum("complaints.jsonl")

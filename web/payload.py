"""Request bodies of the JSON API, read within the registry's limits (``registry.payload``).

Every route that takes a body reads it here: one JSON object (complaints, domains) or a
batch (registrations, events). Whatever a stranger sends ends as the record it was, or as
a 400, 413, 415 or 422 in the envelope; the command line reads files the same way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import current_app, request

from registry.errors import BadPayload, UnsupportedMediaType
from registry.importing import RawRecord, parse_batch, sniff_format
from registry.payload import LIMITS, Limits, decode_text, load_object


def limits() -> Limits:
    """The registry's limits, with this app's batch size."""
    return replace(LIMITS, records=current_app.config["MAX_BATCH_RECORDS"])


def _charset() -> str | None:
    return request.mimetype_params.get("charset")


def json_object(*, optional: bool = False) -> dict[str, Any]:
    """The body as one JSON object; ``optional``: no body at all reads as ``{}``."""
    body = request.get_data()
    if optional and not body:
        return {}
    if not request.is_json:
        raise UnsupportedMediaType("send application/json")
    if not body.strip():
        raise BadPayload("empty body: send a JSON object")
    return load_object(decode_text(body, _charset()), limits())


def batch(*, canonical: bool, allow_csv: bool) -> list[RawRecord]:
    """Every record of a JSON array, JSON Lines or (``allow_csv``) CSV body, read before any
    is written: a body refused as a whole raises before its first record is applied."""
    fmt = sniff_format(request.mimetype)
    if fmt == "csv" and not allow_csv:
        raise UnsupportedMediaType("send application/json or application/x-ndjson")
    body = request.get_data(cache=False)
    if not body.strip():
        raise BadPayload(
            "empty body: send a JSON array, JSON Lines" + (" or CSV" if allow_csv else "")
        )
    return list(parse_batch(body, fmt, _charset(), canonical=canonical, limits=limits()))

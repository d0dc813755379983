"""Request bodies of the JSON API, read within the registry's limits (``registry.core.payload``).

Every route that takes a body reads it here: one JSON object (complaints, domains) or a
batch (registrations, events). Whatever a stranger sends becomes records (a bad one
rejected with its line) or a 400, 413, 415 or 422 in the envelope; the command line reads
files through the same ``registry.registration.importing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest, HTTPException

from registry.complaints.evidence import MAX_BYTES, MAX_FILES
from registry.core.errors import BadPayload, UnsupportedMediaType, ValidationFailed
from registry.core.payload import LIMITS, Limits, decode_text, load_object
from registry.core.shapes import S, read
from registry.registration.importing import RawRecord, parse_batch, sniff_format


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


def body(shape: type[S], refused: str, *, optional: bool = False, given_only: bool = False) -> S:
    """The JSON object of the body read through ``shape``, the model the API document
    publishes for the route: a refused field is a 422 naming it, before any service runs."""
    return read(shape, json_object(optional=optional), refused, given_only=given_only)


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


#: a complaint's body with its evidence: five files of 5 MB, and the form around them
EVIDENCE_BODY_LIMIT = MAX_FILES * MAX_BYTES + 1024 * 1024


#: the routes that take a complaint with its evidence (or a merchant's evidence for one)
EVIDENCE_ENDPOINTS = frozenset(
    {
        "api.file_complaint",
        "complaints.complain",
        "complaints.report_site",
        "merchant.upload_evidence",
    }
)


def _allow_evidence_body() -> None:
    """Raise the body limit of a complaint with evidence (multipart only: every other body
    keeps MAX_CONTENT_LENGTH)."""
    if request.endpoint in EVIDENCE_ENDPOINTS and request.mimetype == "multipart/form-data":
        request.max_content_length = max(
            EVIDENCE_BODY_LIMIT, current_app.config.get("MAX_CONTENT_LENGTH") or 0
        )


def limit_evidence_bodies(app: Flask) -> None:
    """Before any other hook reads the form (the CSRF check does): register first."""
    app.before_request(_allow_evidence_body)


def evidence_files(name: str = "evidence") -> list[bytes]:
    """The files of a multipart field, each read to at most one byte past the limit (the
    service refuses what is too large, too many, or not what its content says)."""
    files = [f for f in request.files.getlist(name) if f.filename or f.content_length]
    if len(files) > MAX_FILES:
        raise ValidationFailed(f"at most {MAX_FILES} files", {name: f"at most {MAX_FILES} files"})
    out = []
    for f in files:
        data = f.stream.read(MAX_BYTES + 1)
        if not data:
            continue  # an empty file input sends an empty part
        out.append(data)
    return out


def form_object() -> dict[str, Any]:
    """The text fields of a multipart or url-encoded body, one value each (the first)."""
    return {key: request.form.get(key) for key in request.form}


class _Input:
    """``wsgi.input`` whose read errors are the client's: a 400, not a 500.

    The server parses a chunked body only as the app reads it, so a bad chunk size, a
    missing terminator or a client gone mid-body raises from ``read()`` (gunicorn's
    ParseException or OSError) wherever the body is read: a form, the CSRF check, a batch.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _guarded(self, read: Callable[..., Any], *args: Any) -> Any:
        try:
            return read(*args)
        except HTTPException:
            raise
        except Exception as exc:
            raise BadRequest(f"the request body could not be read ({type(exc).__name__})") from exc

    def read(self, *args: Any) -> bytes:
        return self._guarded(self._stream.read, *args)

    def readline(self, *args: Any) -> bytes:
        return self._guarded(self._stream.readline, *args)

    def readlines(self, *args: Any) -> list[bytes]:
        return self._guarded(self._stream.readlines, *args)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")


def init_app(app: Flask) -> None:
    """Read every request body through ``_Input``."""
    inner = app.wsgi_app

    def guarded(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if "wsgi.input" in environ:
            environ["wsgi.input"] = _Input(environ["wsgi.input"])
        return inner(environ, start_response)

    app.wsgi_app = guarded  # type: ignore[method-assign]

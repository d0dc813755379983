"""What each API route takes and answers, declared beside it, and the OpenAPI 3.1 document
built from those declarations (``GET /api/v1/openapi.json``).

A route declares itself with one decorator::

    @bp.get("/sellers/<public_id>")
    @operation("A seller's record", answers=[ok_answer(200, SellerRecord)])
    def get_seller(public_id): ...

``query`` and ``body`` name the models the handler reads its input with (a
``web.request.Query``, a ``registry.core.shapes.Shape``), so the document publishes what is
checked. ``tests/web/test_openapi.py`` fails when a route of ``/api/v1`` declares nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from apispec import APISpec
from flask import Flask
from pydantic import BaseModel

from registry.core.payload import LIMITS
from registry.registration.importing import CSV_TYPES, JSONL_TYPES

from ..request import Query
from . import MAX_ID

REF = "#/components/schemas/{model}"
ERROR = "ErrorEnvelope"
#: the media types a batch is documented in (the others of importing's sets are aliases)
JSONL, CSV = "application/x-ndjson", "text/csv"
assert JSONL in JSONL_TYPES and CSV in CSV_TYPES
_RULE_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@dataclass(frozen=True)
class Body:
    """A request body: one JSON object of ``shape``, or (``batch``) a list of records as a
    JSON array, JSON Lines or (``csv``) CSV, each record one of ``shapes``."""

    shapes: tuple[type[BaseModel], ...]
    batch: bool = False
    csv: bool = True
    optional: bool = False
    #: a multipart form of files instead: (field name, most files, most bytes each)
    files: tuple[str, int, int] | None = None


def json_body(shape: type[BaseModel], *, optional: bool = False) -> Body:
    return Body((shape,), optional=optional)


def files_body(name: str, most: int, each: int) -> Body:
    """A ``multipart/form-data`` body of at most *most* files in the field *name*."""
    return Body((), files=(name, most, each))


def batch_body(*shapes: type[BaseModel], csv: bool = True) -> Body:
    return Body(tuple(shapes), batch=True, csv=csv)


@dataclass(frozen=True)
class Answer:
    """One status of a route: the envelope's ``data`` (a model, a list of one, a JSON schema,
    or None for no body), its ``meta``, or a file of ``media`` types."""

    status: int
    description: str
    data: Any = None
    many: bool = False
    paged: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    media: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)


def answer(status: int, data: Any = None, description: str = "", **kw: Any) -> Answer:
    return Answer(status, description or _REASONS.get(status, "answer"), data, **kw)


@dataclass(frozen=True)
class Operation:
    summary: str
    answers: tuple[Answer, ...]
    query: type[Query] | None = None
    body: Body | None = None
    #: the roles whose token is required; () any token; None: no token
    roles: tuple[str, ...] | None = None
    token_optional: bool = False
    #: fixed values of path arguments (one route, several documented operations)
    path: tuple[tuple[str, str], ...] = ()
    description: str = ""


def operation(
    summary: str,
    *,
    answers: Iterable[Answer],
    query: type[Query] | None = None,
    body: Body | None = None,
    roles: tuple[str, ...] | None = None,
    token_optional: bool = False,
    path: dict[str, str] | None = None,
    description: str = "",
) -> Callable[[Callable], Callable]:
    """Declare what the route takes and answers (stack it to document each ``path`` value)."""
    op = Operation(
        summary,
        tuple(answers),
        query,
        body,
        roles,
        token_optional,
        tuple((path or {}).items()),
        description,
    )

    def mark(view: Callable) -> Callable:
        declared = view.__dict__.setdefault("api_operations", [])
        declared.insert(0, op)
        return view

    return mark


def operations_of(view: Callable) -> list[Operation]:
    return list(getattr(view, "api_operations", ()))


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    304: "Not modified (a conditional GET)",
    400: "The body or query could not be read",
    401: "No token, or an unknown, expired or revoked one",
    403: "The token's role may not do this",
    404: "No such record",
    409: "Conflict",
    413: "The body is larger than the limit",
    415: "The media type or charset is not one this route reads",
    422: "Invalid: the details say which field and why",
    429: "Too many failed authentications from this address",
    503: "Not available yet: retry after the seconds of Retry-After",
}


class _Builder:
    def __init__(self, spec: APISpec, max_records: int) -> None:
        self.spec = spec
        self.max_records = max_records
        self.known: set[str] = set()
        self.models: dict[str, type[BaseModel]] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        name = model.__name__
        seen = self.models.setdefault(name, model)
        if seen is not model:  # two shapes of one name would publish one of them twice
            raise ValueError(f"two models named {name}: {seen.__module__}, {model.__module__}")
        if name not in self.known:
            schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
            for sub, definition in schema.pop("$defs", {}).items():
                self._add(sub, definition)
            self._add(name, schema)
        return {"$ref": REF.format(model=name)}

    def _add(self, name: str, schema: dict[str, Any]) -> None:
        if name not in self.known:
            self.known.add(name)
            self.spec.components.schema(name, schema)

    def data(self, value: Any, many: bool) -> dict[str, Any]:
        if isinstance(value, type) and issubclass(value, BaseModel):
            schema = self.ref(value, "serialization")
        elif value is None:
            schema = {"type": "null"}
        else:
            schema = value
        return {"type": "array", "items": schema} if many else schema

    def body(self, body: Body) -> dict[str, Any]:
        if body.files is not None:
            name, most, each = body.files
            item = {"type": "string", "contentMediaType": "application/octet-stream"}
            schema = {
                "type": "object",
                "required": [name],
                "properties": {name: {"type": "array", "items": item, "maxItems": most}},
            }
            return {
                "required": True,
                "description": f"At most {most} files of {each // (1024 * 1024)} MB each",
                "content": {"multipart/form-data": {"schema": schema}},
            }
        refs = [self.ref(s, "validation") for s in body.shapes]
        record = refs[0] if len(refs) == 1 else {"anyOf": refs}
        if not body.batch:
            return {
                "required": not body.optional,
                "content": {"application/json": {"schema": record}},
            }
        limits = (
            f"A batch: at most {self.max_records:,} records, each answered by its line; JSON "
            f"nested at most {LIMITS.depth} deep, numbers of at most {LIMITS.number_chars} "
            f"characters, texts of at most {LIMITS.string_chars:,}, JSON Lines lines and CSV "
            f"rows of at most {LIMITS.line_chars:,}, at most {LIMITS.csv_columns} CSV "
            "columns. Charset UTF-8 (the default) or GB18030 (`charset=gb18030`)."
        )
        content: dict[str, Any] = {
            "application/json": {
                "schema": {"type": "array", "items": record, "maxItems": self.max_records}
            },
            JSONL: {
                "schema": {
                    "type": "string",
                    "description": "JSON Lines: one record (as the JSON array's items) a line",
                    "x-record": record,
                }
            },
        }
        if body.csv:
            content[CSV] = {
                "schema": {
                    "type": "string",
                    "description": "CSV with a header row naming the fields; UTF-8 or GB18030",
                    "x-record": record,
                }
            }
        return {"required": True, "description": limits, "content": content}

    def responses(self, op: Operation) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for a in op.answers:
            item: dict[str, Any] = {"description": a.description}
            headers = dict(a.headers)
            if a.paged:
                headers["Link"] = "RFC 8288 links to the first, prev, next and last pages"
            if headers:
                item["headers"] = {
                    k: {"description": v, "schema": {"type": "string"}} for k, v in headers.items()
                }
            if a.media:
                item["content"] = {m: {"schema": {"type": "string"}} for m in a.media}
            elif a.status != 304:
                envelope: dict[str, Any] = {
                    "type": "object",
                    "required": ["data"],
                    "properties": {"data": self.data(a.data, a.many)},
                }
                meta = {k: self.data(v, False) for k, v in a.meta.items()}
                extra = {"type": "object", "properties": meta}
                if a.paged:
                    page = {"$ref": REF.format(model="PageMeta")}
                    envelope["properties"]["meta"] = {"allOf": [page, extra]} if meta else page
                    envelope["required"].append("meta")
                elif meta:
                    envelope["properties"]["meta"] = extra
                if a.status >= 400:
                    envelope = {"anyOf": [envelope, {"$ref": REF.format(model=ERROR)}]}
                item["content"] = {"application/json": {"schema": envelope}}
            out[str(a.status)] = item
        out["default"] = {
            "description": "An error, in the one envelope",
            "content": {"application/json": {"schema": {"$ref": REF.format(model=ERROR)}}},
        }
        return out

    def parameters(self, rule_args: list[tuple[str, str]], op: Operation) -> list[dict]:
        fixed = dict(op.path)
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}
                if converter in ("int", "record_id")
                else {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
            }
            for converter, name in rule_args
            if name not in fixed
        ]
        if op.query is not None:
            schema = op.query.model_json_schema()
            required = set(schema.get("required", ()))
            for name, prop in schema["properties"].items():
                prop = _not_null({k: v for k, v in prop.items() if k != "title"})
                param = {"name": name, "in": "query", "required": name in required}
                if "description" in prop:
                    param["description"] = prop.pop("description")
                params.append({**param, "schema": prop})
        return params


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query argument's schema without its ``null``: an argument is absent, never null."""
    options = [o for o in schema.get("anyOf", ()) if o != {"type": "null"}]
    if len(options) == 1:
        rest = {
            k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)
        }
        return {**options[0], **rest}
    return schema


def path_of(rule: str, fixed: dict[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """The OpenAPI path of a Flask rule (``<int:id>`` as ``{id}``), with ``fixed`` filled."""
    args = [(m.group(1) or "string", m.group(2)) for m in _RULE_ARG.finditer(rule)]

    def replace(m: re.Match) -> str:
        name = m.group(2)
        return fixed.get(name, "{" + name + "}")

    return _RULE_ARG.sub(replace, rule), args


def build_document(app: Flask, *, prefix: str = "/api/v1") -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared route under ``prefix``."""
    spec = APISpec(
        title=f"{app.config.get('REGISTRY_NAME') or 'Merchant registry'} API",
        version="1",
        openapi_version="3.1.0",
        info={
            "description": (
                'JSON answers in one envelope: `{"data": ..., "meta": ...}` or '
                '`{"error": {"code", "message", "details"}}`. Dates and times are ISO '
                "8601. Lists take `page` and `per_page` and send a `Link` header."
            )
        },
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme(
        "token", {"type": "http", "scheme": "bearer", "description": "an API token of a role"}
    )
    builder = _Builder(spec, app.config.get("MAX_BATCH_RECORDS", LIMITS.records))
    builder.ref(ErrorEnvelope, "serialization")
    builder.ref(PageMeta, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(prefix + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        for op in operations_of(view):
            path, args = path_of(rule.rule, dict(op.path))
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                doc: dict[str, Any] = {
                    "operationId": rule.endpoint.split(".")[-1]
                    + "".join("_" + v.replace("-", "_") for _, v in op.path),
                    "summary": op.summary,
                    "tags": [view.__module__.rsplit(".", 1)[-1]],
                    "parameters": builder.parameters(args, op),
                    "responses": builder.responses(op),
                }
                if op.description or view.__doc__:
                    doc["description"] = op.description or " ".join(view.__doc__.split())
                if op.body is not None:
                    doc["requestBody"] = builder.body(op.body)
                if op.roles is not None:
                    doc["security"] = [{"token": []}] + ([{}] if op.token_optional else [])
                    doc["x-roles"] = list(op.roles) or ["any"]
                else:
                    doc["security"] = []
                paths.setdefault(path, {})[method.lower()] = doc
    for path, ops in paths.items():
        spec.path(path=path, operations=ops)
    return spec.to_dict()


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every error: a code a program reads, an English message, and the details."""

    error: ErrorBody


class PageMeta(BaseModel):
    """A list's ``meta``: its total, this page, its size and the number of pages."""

    model_config = {"extra": "allow"}
    total: int
    page: int
    per_page: int
    pages: int

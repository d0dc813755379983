"""Every request body the API document publishes is what the route checks.

The cases are derived from the document itself: for each operation with a request body, a
minimal body made from its schema is accepted or answers a domain 4xx, and a body breaking
each constraint of the schema (a required field missing, a value of another type, a text one
character too long, a number out of range, a value not in its enumeration) answers a 4xx in
the error envelope naming the field (a batch: the record's line and field), never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import new_code
from tests.openapi_fuzz import known_records

#: values that mean something to the registry, by field name (the schema says only "a text")
MEANINGFUL = {
    "contact": "13800138000",
    "url": "https://alerts.example.org/hook",
    "domain": "shop-bodies.example.org",
    "narrative": "商品收到后一直无法使用，联系客服没有回应。",
    "statement": "这条记录与事实不符，订单已经按时发货并有物流凭证。",
    "kind": None,  # the enumeration's first value
}
MOMENT, DAY = "2026-11-01T08:00:00Z", "2026-11-01"
#: values of each JSON type, to find one a field's schema does not allow
OF_TYPE = {
    "object": {"nested": 1},
    "array": ["x"],
    "string": "not-of-this-type",
    "integer": 1.5,
    "number": "NaN-text",
    "boolean": "maybe",
}


@dataclass
class Record:
    """The schema of one record (a JSON body, or one item of a batch)."""

    name: str
    schema: dict[str, Any]


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _options(document: dict, schema: dict) -> list[dict]:
    """The non-null alternatives of a property's schema."""
    schema = _resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    flat = []
    for option in options:
        option = _resolve(document, option)
        if "anyOf" in option:
            flat.extend(_options(document, option))
        elif option.get("type") != "null":
            flat.append(option)
    return flat


def _types(options: list[dict]) -> set[str]:
    types = set()
    for option in options:
        kind = option.get("type")
        if kind is None and ("enum" in option or "const" in option):
            values = option.get("enum") or [option.get("const")]
            kind = {str: "string", bool: "boolean", int: "integer"}.get(type(values[0]), "any")
        types.add(kind or "any")
    return types


def _sample(document: dict, name: str, schema: dict, known: dict) -> Any:
    """A valid value of a property (what it means, where its name says)."""
    if name in known:
        return known[name]
    options = _options(document, schema)
    first = options[0] if options else {}
    for option in options:
        if "enum" in option or "const" in option:
            return (option.get("enum") or [option.get("const")])[0]
    kind = first.get("type")
    if kind == "string":
        if first.get("format") == "date":
            return DAY
        if first.get("format") == "date-time":
            return MOMENT
        if name in MEANINGFUL and MEANINGFUL[name]:
            return MEANINGFUL[name]
        return "测" * max(first.get("minLength", 1), 1)
    if kind in ("integer", "number"):
        return max(first.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    return "x"


def _fits(document: dict, schema: dict, value: Any) -> bool:
    enums = [o["enum"] for o in _options(document, schema) if "enum" in o]
    return not enums or any(value in e for e in enums)


def _minimal(document: dict, record: dict, known: dict) -> dict[str, Any]:
    """The required fields, and those a record needs to name what exists (its seller)."""
    props = record.get("properties", {})
    names = [*record.get("required", []), *(n for n in props if n in known)]
    usable = {k: v for k, v in known.items() if k not in props or _fits(document, props[k], v)}
    return {name: _sample(document, name, props[name], usable) for name in dict.fromkeys(names)}


def _violations(document: dict, record: dict, known: dict) -> list[tuple[str, str, dict]]:
    """(field, what is broken, the body) for every constraint of the record's schema."""
    base = _minimal(document, record, known)
    out = []
    for name in record.get("required", []):
        out.append((name, "missing", {k: v for k, v in base.items() if k != name}))
    for name, prop in record.get("properties", {}).items():
        options = _options(document, prop)
        if not options:
            continue
        types = _types(options)
        if "any" not in types:
            wrong = next(v for k, v in OF_TYPE.items() if k not in types)
            out.append((name, "wrong type", {**base, name: wrong}))
        for option in options:
            if "maxLength" in option:
                out.append((name, "too long", {**base, name: "a" * (option["maxLength"] + 1)}))
            if "maximum" in option:
                out.append((name, "too large", {**base, name: option["maximum"] + 1}))
            if "minimum" in option:
                out.append((name, "too small", {**base, name: option["minimum"] - 1}))
            if "enum" in option and isinstance(option["enum"][0], str):
                out.append((name, "unknown value", {**base, name: "zz-not-a-value"}))
            if "maxItems" in option:
                out.append((name, "too many", {**base, name: ["a"] * (option["maxItems"] + 1)}))
    return out


@pytest.fixture
def world(app, client, session):
    """A seller, a token per role, a complaint, an event and a store id (as the fuzz has)."""
    known = known_records(app, client, session)
    return {
        "tokens": known.tokens,
        "seller": known.sellers[0],
        "complaint": known.complaints[0],
        "event": known.events[0],
        "store": known.stores[0],
    }


def _url(path: str, world: dict) -> str:
    public_id = world["complaint"] if path.startswith("/api/v1/complaints/") else world["seller"]
    return (
        path.replace("{public_id}", public_id)
        .replace("{event_id}", str(world["event"]))
        .replace("{store_id}", world["store"])
    )


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody")
            if not body or "application/json" not in body["content"]:
                continue  # a form of files: its checks are the evidence tests'
            content = body["content"]["application/json"]["schema"]
            batch = content.get("type") == "array"
            record = content["items"] if batch else content
            records = [_resolve(document, r) for r in record.get("anyOf", [record])]
            roles = op.get("x-roles") or []
            yield f"{method.upper()} {path}", method, path, batch, records, roles


def _send(client, method: str, url: str, body: Any, roles: list[str], world: dict):
    role = roles[0] if roles and roles[0] != "any" else ("platform" if roles else None)
    headers = {"Authorization": f"Bearer {world['tokens'][role]}"} if role else {}
    return getattr(client, method)(url, json=body, headers=headers)


def _names(answer, batch: bool) -> tuple[bool, str]:
    """Whether the refusal names ``field``: (answered as a refusal, what it said)."""
    body = answer.json or {}
    if batch and answer.status_code == 422 and "data" in body:
        record = body["data"][0]
        return record.get("line") == 1, str(record.get("errors"))
    error = body.get("error") or {}
    return bool(error.get("code")), f"{error.get('message')} {error.get('details')}"


def test_every_published_body_is_the_one_checked(client, world):
    document = client.get("/api/v1/openapi.json").json
    known = {
        "seller": world["seller"],
        "event_id": world["event"],
        "identifier": new_code(),
        "kind": "order",  # where the enumeration has it: a platform's own kind of event
        "occurred_at": MOMENT,
    }
    checked, problems = 0, []
    for label, method, path, batch, records, roles in _operations(document):
        url = _url(path, world)
        for record in records:
            minimal = _minimal(document, record, known)
            answer = _send(client, method, url, [minimal] if batch else minimal, roles, world)
            if answer.status_code >= 500:
                problems.append(f"{label} minimal {minimal}: {answer.status_code}")
            for name, broken, body in _violations(document, record, known):
                checked += 1
                answer = _send(client, method, url, [body] if batch else body, roles, world)
                refused, said = _names(answer, batch)
                if not (400 <= answer.status_code < 500 and refused and name in said):
                    problems.append(
                        f"{label} {record.get('title')}.{name} {broken}: "
                        f"{answer.status_code} {said[:200]}"
                    )
    assert checked > 150
    assert not problems, "\n".join(problems)

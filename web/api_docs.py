"""``/api/docs``: the API document (``/api/v1/openapi.json``) as a page, rendered here, with
no script: the site's policy runs none from elsewhere, and a reader may be offline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from .api.openapi import document

bp = Blueprint("api_docs", __name__)

REF = "#/components/schemas/"


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return components.get(ref[len(REF) :], {}) if ref else schema


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def type_of(schema: dict[str, Any], components: dict[str, Any]) -> str:
    """A field's type in a few words: ``string ≤ 128``, ``one of a, b``, ``list of …``."""
    if "$ref" in schema:
        return schema["$ref"][len(REF) :]
    options = [o for o in schema.get("anyOf", ()) if o != {"type": "null"}]
    if options:
        return " | ".join(type_of(o, components) for o in options)
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        text = "list of " + type_of(schema.get("items", {}), components)
        return text + (f" (≤ {schema['maxItems']:,})" if "maxItems" in schema else "")
    if "format" in schema:
        kind = f"{kind} ({schema['format']})"
    bounds = [
        f"{sign} {_number(schema[key])}"
        for key, sign in (
            ("minLength", "≥"),
            ("maxLength", "≤"),
            ("minimum", "≥"),
            ("maximum", "≤"),
        )
        if key in schema
    ]
    return kind + (" " + ", ".join(bounds) if bounds else "")


def fields_of(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a record's table: name, type, required, description."""
    schema = _resolve(schema, components)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "type": type_of(prop, components),
            "required": name in required,
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _records(schema: dict[str, Any]) -> list[str]:
    """The names of the record shapes a body's schema is made of."""
    item = schema.get("items", schema)
    refs = item.get("anyOf", [item])
    return [r["$ref"][len(REF) :] for r in refs if "$ref" in r]


def operations(doc: dict[str, Any]) -> list[dict[str, Any]]:
    components = doc.get("components", {}).get("schemas", {})
    out = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody")
            shapes: list[str] = []
            if body:
                for content in body["content"].values():
                    shapes += [s for s in _records(content["schema"]) if s not in shapes]
            out.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "tag": (op.get("tags") or ["api"])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "roles": op.get("x-roles", []),
                    "token_optional": {} in op.get("security", []),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": type_of(p.get("schema", {}), components),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "media": list(body["content"]) if body else [],
                    "body_note": body.get("description", "") if body else "",
                    "shapes": [(s, fields_of({"$ref": REF + s}, components)) for s in shapes],
                    "responses": [
                        (status, r.get("description", ""))
                        for status, r in op["responses"].items()
                        if status != "default"
                    ],
                }
            )
    return out


@bp.get("/api/docs")
def api_docs():
    doc = document(current_app)
    ops = operations(doc)
    tags = list(dict.fromkeys(op["tag"] for op in ops))
    return render_template(
        "api_docs.html",
        info=doc["info"],
        version=doc["openapi"],
        tags=[(tag, [op for op in ops if op["tag"] == tag]) for tag in tags],
    )

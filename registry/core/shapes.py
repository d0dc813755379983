"""Record shapes: pydantic models whose fields run the registry's own rules.

A room declares what one record of its batches may hold as a ``Shape``: each field's type,
limit, enumeration and requiredness, and a validator that calls the room's rule function
(so a rejected field keeps the message and the ``details`` key it always had). The same
model is what the API's OpenAPI document publishes (``model_json_schema``): what is checked
and what is described cannot drift apart. Rules that join several fields stay in code,
after ``check`` (a batch's record: every field noted) or ``validate`` / ``read`` (a body:
pydantic's errors in the registry's words, ``read`` raising the 422 that names them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from .errors import ValidationFailed
from .identifiers import clean_text

#: a rule: the field's raw value and its name in, the clean value out; ValueError says why not
Rule = Callable[[Any, str], Any]


S = TypeVar("S", bound="Shape")


class Shape(BaseModel):
    """One record of a batch or one JSON body: its fields, each checked by its rule.

    Other keys are allowed (a CSV carries columns of its own; they are reported, not fatal).
    """

    model_config = ConfigDict(
        extra="allow",
        validate_default=True,
        json_schema_extra=lambda schema, cls: _publish_required(schema, cls),
    )
    #: what one record is called where a field is not one of its own ("not a field of ...")
    noun: ClassVar[str] = "this record"


class Required:
    """Marks a field whose rule refuses it absent: the document lists it as required.

    The field's type stays optional, so that under ``check`` a missing value is the rule's
    error (``"seller is required"``), not pydantic's.
    """

    def __repr__(self) -> str:
        return "Required()"


REQUIRED = Required()


def _publish_required(schema: dict[str, Any], cls: Any) -> None:
    names = [
        name
        for name, info in cls.model_fields.items()
        if any(isinstance(m, Required) for m in info.metadata)
    ]
    if names:
        schema["required"] = names


def ruled(rule: Rule) -> Callable[[Any, ValidationInfo], Any]:
    """A pydantic before-validator running ``rule``.

    Under ``check`` a refused value is noted in the context's errors (as the rule words it)
    and reads as None, so every field is checked and cross-field rules see the others; a
    plain ``model_validate`` raises instead.
    """

    def validate(value: Any, info: ValidationInfo) -> Any:
        key = info.field_name or ""
        try:
            return rule(value, key)
        except ValueError as exc:
            errors = (info.context or {}).get("errors")
            if errors is None:
                raise PydanticCustomError("registry_rule", str(exc)) from None
            errors[key] = str(exc)
            return None

    return validate


def check(shape: type[S], data: dict[str, Any]) -> tuple[S, dict[str, str]]:
    """The record read through ``shape``, and the errors of its fields by name."""
    errors: dict[str, str] = {}
    present = {name: None for name in shape.model_fields} | dict(data)
    try:
        record = shape.model_validate(present, context={"errors": errors})
    except ValidationError as exc:  # a rule-less field of the wrong type
        for item in exc.errors():
            errors.setdefault(str(item["loc"][0]) if item["loc"] else "record", item["msg"])
        record = shape.model_construct(**{k: None for k in shape.model_fields})
    return record, errors


def line(value: Any, key: str, limit: int, required: bool = False) -> str | None:
    """``value`` as one clean line of at most ``limit`` characters (None if absent)."""
    if isinstance(value, dict | list):  # str() would make a text of any JSON
        raise ValueError("must be text")
    text = (clean_text(str(value)) or None) if value not in (None, "") else None
    if text is None and required:
        raise ValueError(f"{key} is required")
    if text is not None and len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    return text


def Line(limit: int, *, required: bool = False, description: str | None = None) -> Any:
    """A field of one clean line of at most ``limit`` characters (``line``)."""
    marks = (REQUIRED,) if required else ()
    return Annotated[
        Annotated[str, Field(max_length=limit)] | None,
        Field(description=description),
        BeforeValidator(ruled(lambda value, key: line(value, key, limit, required))),
        *marks,
    ]


def passed(annotation: Any, description: str | None = None) -> Any:
    """A field this shape passes on unchecked to the service that checks it: published with
    ``annotation``'s schema (or null), read as whatever was sent."""
    schema = TypeAdapter(annotation | None).json_schema()  # absent reads as None
    if description:
        schema["description"] = description
    return Annotated[Any, WithJsonSchema(schema)]


def _listed(expected: str) -> str:
    """pydantic's ``'a', 'b' or 'c'`` as ``a, b, c``."""
    return expected.replace("' or '", ", ").replace("', '", ", ").strip("'")


def _worded(item: Any, noun: str) -> str:
    """One pydantic error in the registry's words (the rules' own messages kept)."""
    kind, ctx, key = item["type"], item.get("ctx") or {}, str(item["loc"][0])
    if kind == "missing":
        return f"{key} is required"
    if kind == "extra_forbidden":
        return f"not a field of {noun}"
    if kind == "string_too_long":
        return f"longer than {ctx['max_length']} characters"
    if kind == "string_too_short":
        low = ctx["min_length"]
        return f"{key} is required" if low == 1 else f"at least {low} characters"
    if kind == "too_long":
        return f"at most {ctx['max_length']} items"
    if kind == "literal_error":
        return f"{str(item['input'])[:40]!r} is not one of {_listed(ctx['expected'])}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    return str(item["msg"])


def field_errors(exc: ValidationError, noun: str = "this record") -> dict[str, str]:
    """The errors of a refused record by field (its first error each), in the registry's
    words: ``{"seller": "seller is required", "amount": "must be at most 1000"}``."""
    errors: dict[str, str] = {}
    for item in exc.errors():
        key = str(item["loc"][0]) if item["loc"] else "body"
        errors.setdefault(key[:40], _worded(item, noun))
    return errors


def validate(shape: type[S], data: Any, *, given_only: bool = False) -> tuple[S | None, dict]:
    """``data`` read through ``shape``: the record, or None and the errors by field.

    Every field is read (an absent one as None, so a rule refuses it in its own words);
    ``given_only``: only the fields given count as set (a change of some fields).
    """
    if not isinstance(data, dict):
        return None, {"body": "a JSON object"}
    present = dict(data) if given_only else {name: None for name in shape.model_fields} | data
    try:
        return shape.model_validate(present), {}
    except ValidationError as exc:
        return None, field_errors(exc, shape.noun)


def read(shape: type[S], data: Any, refused: str, *, given_only: bool = False) -> S:
    """``data`` read through ``shape``, or ValidationFailed (422) naming each refused field:
    ``refused`` says what was not done (``"dispute not filed"``)."""
    record, errors = validate(shape, data, given_only=given_only)
    if record is None:
        raise ValidationFailed(f"{refused}: " + ", ".join(sorted(errors)), errors)
    return record

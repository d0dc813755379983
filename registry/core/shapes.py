"""Record shapes: pydantic models whose fields run the registry's own rules.

A room declares what one record of its batches may hold as a ``Shape``: each field's type,
limit, enumeration and requiredness, and a validator that calls the room's rule function
(so a rejected field keeps the message and the ``details`` key it always had). The same
model is what the API's OpenAPI document publishes (``model_json_schema``): what is checked
and what is described cannot drift apart. Rules that join several fields stay in code,
after ``check``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

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


def passed(annotation: Any, description: str | None = None) -> Any:
    """A field this shape passes on unchecked to the service that checks it: published with
    ``annotation``'s schema (or null), read as whatever was sent."""
    schema = TypeAdapter(annotation | None).json_schema()  # absent reads as None
    if description:
        schema["description"] = description
    return Annotated[Any, WithJsonSchema(schema)]

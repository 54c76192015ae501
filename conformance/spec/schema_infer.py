"""Infer permissive JSON Schemas (OpenAPI 3.1) from the JSON examples of the docs.

Shapes are merged across examples: a field typed differently in two examples becomes an anyOf,
a field null in any example becomes nullable, a string keeps a format only when every example
value has it. No field is required and additional properties stay allowed, so the schemas check
types without being stricter than the docs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_TYPE_ORDER = ("string", "integer", "number", "boolean", "array", "object")
# A JSON Schema (an OpenAPI fragment) as the derivation builds it: plain JSON values.
Schema = dict[str, object]


def string_format(value: str) -> str | None:
    if _UUID.match(value):
        return "uuid"
    if _DATE_TIME.match(value):
        return "date-time"
    if _DATE.match(value):
        return "date"
    return None


@dataclass
class Shape:
    types: set[str] = field(default_factory=set)
    nullable: bool = False
    formats: set[str | None] = field(default_factory=set)
    props: dict[str, Shape] = field(default_factory=dict)
    items: Shape | None = None
    enum: list[str | int] | None = None  # documented values (set by the caller, not inferred)

    def merge(self, other: Shape) -> Shape:
        out = Shape(self.types | other.types, self.nullable or other.nullable)
        out.formats = self.formats | other.formats
        out.enum = self.enum or other.enum
        for key in list(self.props) + [k for k in other.props if k not in self.props]:
            mine, theirs = self.props.get(key), other.props.get(key)
            out.props[key] = mine.merge(theirs) if mine and theirs else (mine or theirs)  # type: ignore[assignment]
        if self.items and other.items:
            out.items = self.items.merge(other.items)
        else:
            out.items = self.items or other.items
        return out


def infer(value: object) -> Shape:
    if value is None:
        return Shape(nullable=True)
    if isinstance(value, bool):
        return Shape({"boolean"})
    if isinstance(value, int):
        return Shape({"integer"})
    if isinstance(value, float):
        return Shape({"number"})
    if isinstance(value, str):
        return Shape({"string"}, formats={string_format(value)})
    if isinstance(value, list):
        shape = Shape({"array"})
        for element in value:
            item = infer(element)
            shape.items = shape.items.merge(item) if shape.items else item
        return shape
    if isinstance(value, dict):
        return Shape({"object"}, props={k: infer(v) for k, v in value.items()})
    return Shape()


def infer_many(values: Iterable[object]) -> Shape:
    shape = Shape()
    for value in values:
        shape = shape.merge(infer(value))
    return shape


def _render_one(shape: Shape, kind: str) -> Schema:
    schema: Schema = {"type": kind}
    if kind == "string" and len(shape.formats) == 1:
        (fmt,) = shape.formats
        if fmt:
            schema["format"] = fmt
    if kind == "object" and shape.props:
        schema["properties"] = {k: render(v) for k, v in shape.props.items()}
    if kind == "array" and shape.items and shape.items.types:
        schema["items"] = render(shape.items)
    return schema


def render(shape: Shape) -> Schema:
    """The JSON Schema of a shape; integer and number collapse to number."""
    kinds = [t for t in _TYPE_ORDER if t in shape.types]
    if "integer" in kinds and "number" in kinds:
        kinds.remove("integer")
    if not kinds:
        return {}
    if len(kinds) == 1:
        schema = _render_one(shape, kinds[0])
        enum: list[str | int | None] | None = None
        if shape.enum and kinds[0] in ("string", "integer"):
            enum = list[str | int | None](shape.enum)
            schema["enum"] = enum
        if shape.nullable:
            schema["type"] = [kinds[0], "null"]
            if enum is not None:
                enum.append(None)
        return schema
    variants = [_render_one(shape, k) for k in kinds]
    if shape.nullable:
        variants.append({"type": "null"})
    return {"anyOf": variants}

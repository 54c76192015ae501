"""The schemas of the derived OpenAPI description: the overlay's rules for fields (nullability,
name-based formats, documented enums, expandable relations), the resource and request body
schemas built with them, and the components every description shares (the shared query
parameters, the rate-limit headers, the error responses, the envelope). Used by
`conformance.spec.derive`.
"""

from __future__ import annotations

import re

from conformance.spec.docs_operations import Notes, Op, camel, is_envelope, is_message
from conformance.spec.docs_pages import DocPage, DocParam
from conformance.spec.overlay import Overlay
from conformance.spec.schema_infer import Schema, Shape

LARGE_ENUM = 20  # enums longer than this become a shared component
ERROR_RESPONSES = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "404": "NotFound",
    "429": "TooManyRequests",
}


def documented_values(p: DocParam, kind: str) -> list[str | int]:
    """The values a parameter's page enumerates, as integers for an integer parameter."""
    return [int(v) for v in p.enum] if kind == "integer" else list(p.enum)


class SchemaRules:
    """The overlay's rules for the fields of schemas, and the schemas they shape."""

    def __init__(self, pages: list[DocPage], overlay: Overlay, notes: Notes) -> None:
        self.pages = pages
        self.overlay = overlay
        self.note = notes.add
        nullable = overlay.nullable
        self.nullable_names = set(nullable.names)
        self.nullable_patterns = [re.compile(p) for p in nullable.patterns]
        self.never_null = set(nullable.never)
        formats = overlay.formats
        self.uuid_names = set(formats.uuid)
        self.uuid_arrays = set(formats.uuid_arrays)
        self.date_names = set(formats.date)
        self.date_time_patterns = [re.compile(p) for p in formats.date_time_patterns]
        unwrapped = overlay.unwrap_examples.items()
        self.own_schemas = {rel: rule.schema for rel, rule in unwrapped if rule.schema}

    def is_nullable(self, name: str) -> bool:
        if name in self.never_null:
            return False
        return name in self.nullable_names or any(p.search(name) for p in self.nullable_patterns)

    def finish_shape(
        self, shape: Shape, expandable: bool, enums: dict[str, list[str | int]] | None = None
    ) -> Shape:
        """Apply overlay nullability, name-based formats for fields only ever shown as null,
        documented enums, and (where `expand` is offered) object-valued relations."""
        for name, prop in shape.props.items():
            if self.is_nullable(name):
                prop.nullable = True
            if not prop.types:
                fmt = self.name_format(name)
                if fmt:
                    prop.types, prop.formats = {"string"}, {fmt}
            if enums and name in enums and prop.types <= {"string", "integer"}:
                prop.enum = enums[name]
            if not expandable or name == "id":
                continue
            if prop.types == {"string"} and prop.formats == {"uuid"}:
                prop.types = {"string", "object"}
            elif prop.types == {"array"} and prop.items and prop.items.formats == {"uuid"}:
                prop.items.types |= {"object"}
        return shape

    def name_format(self, name: str) -> str | None:
        if name in self.date_names:
            return "date"
        if any(r.search(name) for r in self.date_time_patterns):
            return "date-time"
        return "uuid" if name in self.uuid_names else None

    def resource_enums(self, resource: str, ops: list[Op]) -> dict[str, list[str | int]]:
        """Enums the request bodies of a resource document, reused for its responses."""
        enums: dict[str, list[str | int]] = {}
        for op in ops:
            if op.resource == resource and op.kind in ("create", "update"):
                for p in op.page.params.get("body", []):
                    if p.enum:
                        enums[p.name] = documented_values(p, p.type)
        return enums

    def optional_at_create(self, resource: str, ops: list[Op]) -> set[str]:
        """Body parameters a resource's create page marks optional: left out, they have no value,
        so the object may answer them as null (the pages never say whether a field may be null)."""
        names: set[str] = set()
        for op in ops:
            if op.resource == resource and op.kind == "create" and not op.alias_of:
                names |= {p.name for p in op.page.params.get("body", []) if not p.required}
        return names - self.never_null

    def resource_examples(self, resource: str, ops: list[Op]) -> list[object]:
        examples: list[object] = []
        for rel, res in self.overlay.overview_resource.items():
            if res != resource:
                continue
            page = next((p for p in self.pages if p.rel == rel), None)
            examples += (
                [r.example for r in page.responses if isinstance(r.example, dict)] if page else []
            )
        for op in ops:
            if op.resource != resource or op.alias_of or op.page.rel in self.own_schemas:
                continue
            example = op.example
            if op.kind in ("create", "retrieve", "update"):
                if (
                    isinstance(example, dict)
                    and not is_message(example)
                    and not is_envelope(example)
                ):
                    examples.append(example)
                elif isinstance(example, list):
                    examples += [e for e in example if isinstance(e, dict)]
            elif op.kind == "list":
                items = example.get("results") if is_envelope(example) else example
                examples += (
                    [e for e in items or [] if isinstance(e, dict)]
                    if isinstance(items, list)
                    else []
                )
        return examples

    def body_schema(
        self, params: list[DocParam], method: str, rel: str, components: dict[str, Schema]
    ) -> Schema:
        props: dict[str, Schema] = {}
        required = []
        for p in params:
            props[p.name] = self.param_schema(p, components)
            if p.required:
                if method == "PATCH":
                    self.note(f"{rel}: PATCH marks {p.name} required; a partial update needs none")
                else:
                    required.append(p.name)
            if self.is_nullable(p.name) and not p.required:
                self._make_nullable(props[p.name])
        schema: Schema = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        return schema

    @staticmethod
    def _make_nullable(schema: Schema) -> None:
        if "$ref" in schema:
            ref = schema.pop("$ref")
            schema["anyOf"] = [{"$ref": ref}, {"type": "null"}]
        elif isinstance(schema.get("type"), str):
            schema["type"] = [schema["type"], "null"]
            enum = schema.get("enum")
            if isinstance(enum, list):
                schema["enum"] = [*enum, None]

    def param_schema(self, p: DocParam, components: dict[str, Schema]) -> Schema:
        kind = {"timestamp": "string", "file": "string"}.get(p.type, p.type)
        schema: Schema = {"type": kind}
        if p.type == "timestamp" or (
            kind == "string" and any(r.search(p.name) for r in self.date_time_patterns)
        ):
            schema["format"] = "date-time"
        elif p.type == "file":
            schema["format"] = "binary"
        elif kind == "string" and p.name in self.date_names:
            schema["format"] = "date"
        elif kind == "string" and p.name in self.uuid_names:
            schema["format"] = "uuid"
        elif kind == "array" and p.name in self.uuid_arrays:
            schema["items"] = {"type": "string", "format": "uuid"}
        if p.enum:
            values = documented_values(p, kind)
            schema = {"type": kind, "enum": values}
            if len(values) > LARGE_ENUM:
                name = camel(p.name, upper=True)
                components[name] = schema
                return {"$ref": f"#/components/schemas/{name}"}
        return schema


def shared_parameters() -> dict[str, Schema]:
    return {
        "Cursor": {
            "name": "cursor",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": r"^\d+:\d+:[01]$"},
        },
        "PerPage": {
            "name": "per_page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 100},
        },
        "Fields": {
            "name": "fields",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
        },
        "Expand": {
            "name": "expand",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
        },
        "OrderBy": {
            "name": "order_by",
            "in": "query",
            "required": False,
            "schema": {"type": "string"},
        },
    }


def rate_limit_headers() -> dict[str, Schema]:
    return {
        "X-RateLimit-Remaining": {"required": True, "schema": {"type": "integer", "minimum": 0}},
        "X-RateLimit-Reset": {"required": True, "schema": {"type": "integer", "minimum": 0}},
    }


def header_refs() -> dict[str, Schema]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in rate_limit_headers()}


def error_responses() -> dict[str, Schema]:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    out = {}
    for code, name in ERROR_RESPONSES.items():
        response: Schema = {"description": name, "content": error}
        if code != "401":  # rate-limit headers accompany authenticated responses only
            response["headers"] = header_refs()
        out[name] = response
    return out


def base_schemas() -> dict[str, Schema]:
    return {
        "Error": {
            "type": "object",
            "minProperties": 1,
            "properties": {"error": {}, "detail": {}, "message": {}},
        },
        "PaginatedResponse": {
            "type": "object",
            "required": [
                "next_cursor",
                "prev_cursor",
                "next_page_results",
                "prev_page_results",
                "count",
                "total_pages",
                "total_results",
                "results",
            ],
            "properties": {
                "next_cursor": {"type": "string"},
                "prev_cursor": {"type": "string"},
                "next_page_results": {"type": "boolean"},
                "prev_page_results": {"type": "boolean"},
                "count": {"type": "integer", "minimum": 0},
                "total_pages": {"type": "integer", "minimum": 0},
                "total_results": {"type": "integer", "minimum": 0},
                "extra_stats": {"type": ["object", "null"]},
                "results": {"type": "array"},
            },
        },
    }

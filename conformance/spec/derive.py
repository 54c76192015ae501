"""Derive the OpenAPI descriptions of the Plane API from the API reference pages.

    python -m conformance.spec.derive [--docs DIR] [--out DIR]

Reads ../shared/plane-docs/api-reference/**.md and specs/overlay.yaml, writes
specs/plane-v1.openapi.yaml (core, open-source Plane) and specs/plane-v1-cloud.openapi.yaml
(Plane Cloud features). The output is a pure function of its inputs: re-running it writes
byte-identical files. Only structure and a source reference are carried over, never page prose.
"""

from __future__ import annotations

import argparse
import copy
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from conformance.spec.docs_pages import DocPage, DocParam, load_overlay, page_edition, read_pages
from conformance.spec.paths import docs_dir, specs_dir
from conformance.spec.schema_infer import Shape, infer, infer_many, render

CORE_FILE = "plane-v1.openapi.yaml"
CLOUD_FILE = "plane-v1-cloud.openapi.yaml"
SHARED_QUERY = {
    "cursor": "Cursor",
    "per_page": "PerPage",
    "fields": "Fields",
    "expand": "Expand",
    "order_by": "OrderBy",
}
ENVELOPE_KEYS = {"next_cursor", "prev_cursor", "results"}
MESSAGE_KEYS = {"detail", "error", "message"}
LARGE_ENUM = 20  # enums longer than this become a shared component
ERROR_RESPONSES = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "404": "NotFound",
    "429": "TooManyRequests",
}
PARAM_RE = re.compile(r"\{([a-z_]+)\}")


@dataclass
class Op:
    page: DocPage
    method: str
    path: str
    core: bool
    resource: str
    kind: str  # list | create | retrieve | update | delete | action
    operation_id: str = ""
    also: list[DocPage] = field(default_factory=list)  # further pages with the same badge
    alias_of: str | None = None

    @property
    def example(self) -> object:
        for response in self.page.responses:
            if 200 <= response.status < 300:
                return response.example
        return None

    @property
    def docs_status(self) -> int | None:
        ok = [r.status for r in self.page.responses if 200 <= r.status < 400]
        return ok[0] if ok else None


# --- helpers ------------------------------------------------------------------------------


def camel(text: str, upper: bool = False) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    out = "".join(w[:1].upper() + w[1:] for w in words)
    return out if upper else out[:1].lower() + out[1:]


def is_envelope(example: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(example, dict) and set(example) >= ENVELOPE_KEYS


def is_message(example: object) -> bool:
    return isinstance(example, dict) and bool(example) and set(example) <= MESSAGE_KEYS


def is_wrapped(example: object) -> bool:
    """A list printed around the real body: a list of lists, or a list holding one envelope."""
    if not isinstance(example, list) or not example:
        return False
    return all(isinstance(e, list) for e in example) or (
        len(example) == 1 and is_envelope(example[0])
    )


def unwrap(example: list[Any]) -> object:
    """The body a wrapped example means: the inner lists joined, or the one envelope."""
    if is_envelope(example[0]):
        return example[0]
    return [item for inner in example for item in inner]


def path_shape(path: str) -> str:
    return PARAM_RE.sub("{}", path)


def resource_of(page: DocPage, path: str, overlay: dict[str, Any]) -> str:
    for rule in overlay["resource_by_path"]:
        if re.search(rule["pattern"], path):
            return str(rule["resource"])
    return str(overlay["resource_by_folder"].get(page.folder, page.folder))


def classify(
    method: str, path: str, example: object, shape_override: str | None, actions: set[Any]
) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last in actions:
        return "action"
    if last.startswith("{"):
        return {"GET": "retrieve", "PATCH": "update", "DELETE": "delete"}.get(method, "action")
    if method == "POST":
        return "create"
    if method == "GET":
        listy = isinstance(example, list) or is_envelope(example) or shape_override == "array"
        return "list" if listy else "retrieve"
    return {"PATCH": "update", "DELETE": "delete"}.get(method, "action")


# --- the derivation -----------------------------------------------------------------------


class Deriver:
    def __init__(self, pages: list[DocPage], overlay: dict[str, Any]) -> None:
        self.pages = pages
        self.overlay = overlay
        self.contradictions: list[str] = []
        self.ops: list[Op] = []
        nullable = overlay["nullable"]
        self.nullable_names = set(nullable["names"])
        self.nullable_patterns = [re.compile(p) for p in nullable["patterns"]]
        self.never_null = set(nullable["never"])
        formats = overlay["formats"]
        self.uuid_names = set(formats["uuid"])
        self.uuid_arrays = set(formats["uuid_arrays"])
        self.date_names = set(formats["date"])
        self.date_time_patterns = [re.compile(p) for p in formats["date_time_patterns"]]
        unwrapped = overlay.get("unwrap_examples") or {}
        self.own_schemas = {rel: rule["schema"] for rel, rule in unwrapped.items() if rule}

    # operations ------------------------------------------------------------------------
    def collect(self) -> None:
        self._unwrap_examples()
        actions = set(self.overlay["action_segments"])
        shapes = self.overlay.get("response_shape") or {}
        by_key: dict[tuple[str, str], Op] = {}
        for page in self.pages:
            if page.is_overview or not page.path or not page.method:
                continue
            edition = page_edition(page.rel, self.overlay)
            if edition == "excluded":
                continue
            op = Op(
                page,
                page.method,
                page.path,
                edition == "core",
                resource_of(page, page.path, self.overlay),
                "",
            )
            op.kind = classify(op.method, op.path, op.example, shapes.get(page.rel), actions)
            key = (op.method, op.path)
            if key in by_key:
                by_key[key].also.append(page)
                self.note(
                    f"{page.rel} and {by_key[key].page.rel}: one operation {op.method} {op.path}"
                )
                continue
            by_key[key] = op
            self.ops.append(op)
        self._normalise_params()
        self._assign_ids()
        self._add_aliases()

    def _unwrap_examples(self) -> None:
        """Read the overlay's wrapped examples (a list printed around the body) as their body."""
        rules = self.overlay.get("unwrap_examples") or {}
        for page in self.pages:
            if page.rel not in rules:
                continue
            for index, response in enumerate(page.responses):
                if 200 <= response.status < 300 and is_wrapped(response.example):
                    body = unwrap(response.example)  # type: ignore[arg-type]
                    page.responses[index] = replace(response, example=body)
                    shown = "a paginated envelope" if is_envelope(body) else "a list"
                    self.note(f"{page.rel}: the {response.status} example wraps {shown} in a list")

    def _normalise_params(self) -> None:
        """Equivalent templates must use one set of parameter names (OpenAPI rule)."""
        first: dict[str, str] = {}
        for op in sorted(self.ops, key=lambda o: (o.path, o.method)):
            canonical = first.setdefault(path_shape(op.path), op.path)
            if canonical != op.path:
                self.note(
                    f"{op.page.rel}: {op.path} names its parameters unlike {canonical}; renamed"
                )
                op.path = canonical

    def _assign_ids(self) -> None:
        stems: dict[str, int] = {}
        for op in self.ops:
            stem = op.page.rel.rsplit("/", 1)[-1].removesuffix(".md")
            stems[stem] = stems.get(stem, 0) + 1
        for op in self.ops:
            stem = op.page.rel.rsplit("/", 1)[-1].removesuffix(".md")
            op.operation_id = camel(stem if stems[stem] == 1 else f"{op.page.folder}-{stem}")

    def _add_aliases(self) -> None:
        legacy = self.overlay["legacy_aliases"]
        for op in list(self.ops):
            if not op.core or op.resource not in legacy["resources"]:
                continue
            path = op.path
            for old, new in legacy["replace"]:
                path = path.replace(old, new)
            alias = Op(
                op.page,
                op.method,
                path,
                True,
                op.resource,
                op.kind,
                f"{op.operation_id}ViaIssuesPath",
            )
            alias.alias_of = op.operation_id
            alias.also = op.also
            self.ops.append(alias)

    def note(self, text: str) -> None:
        if text not in self.contradictions:
            self.contradictions.append(text)

    # schemas ---------------------------------------------------------------------------
    def is_nullable(self, name: str) -> bool:
        if name in self.never_null:
            return False
        return name in self.nullable_names or any(p.search(name) for p in self.nullable_patterns)

    def finish_shape(
        self, shape: Shape, expandable: bool, enums: dict[str, Any] | None = None
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

    def resource_enums(self, resource: str, ops: list[Op]) -> dict[str, Any]:
        """Enums the request bodies of a resource document, reused for its responses."""
        enums: dict[str, Any] = {}
        for op in ops:
            if op.resource == resource and op.kind in ("create", "update"):
                for p in op.page.params.get("body", []):
                    if p.enum:
                        enums[p.name] = (
                            [int(v) for v in p.enum] if p.type == "integer" else list(p.enum)
                        )
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
        for rel, res in (self.overlay.get("overview_resource") or {}).items():
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
        self, params: list[DocParam], method: str, rel: str, components: dict[str, Any]
    ) -> dict[str, Any]:
        props: dict[str, Any] = {}
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
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        return schema

    @staticmethod
    def _make_nullable(schema: dict[str, Any]) -> None:
        if "$ref" in schema:
            ref = schema.pop("$ref")
            schema["anyOf"] = [{"$ref": ref}, {"type": "null"}]
        elif isinstance(schema.get("type"), str):
            schema["type"] = [schema["type"], "null"]
            if "enum" in schema:
                schema["enum"] = [*schema["enum"], None]

    def param_schema(self, p: DocParam, components: dict[str, Any]) -> dict[str, Any]:
        kind = {"timestamp": "string", "file": "string"}.get(p.type, p.type)
        schema: dict[str, Any] = {"type": kind}
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
            values: list[Any] = [int(v) for v in p.enum] if kind == "integer" else list(p.enum)
            schema = {"type": kind, "enum": values}
            if len(values) > LARGE_ENUM:
                name = camel(p.name, upper=True)
                components[name] = schema
                return {"$ref": f"#/components/schemas/{name}"}
        return schema

    # one file --------------------------------------------------------------------------
    def build(self, core: bool) -> dict[str, Any]:
        ops = [op for op in self.ops if op.core == core]
        schemas: dict[str, Any] = base_schemas()
        resources = sorted({op.resource for op in ops})
        expandable = {
            op.resource
            for op in ops
            if any(p.name == "expand" for p in op.page.params.get("query", []))
        }
        for resource in resources:
            examples = self.resource_examples(resource, ops)
            enums = self.resource_enums(resource, ops)
            shape = self.finish_shape(infer_many(examples), resource in expandable, enums)
            for name in self.optional_at_create(resource, ops) & set(shape.props):
                shape.props[name].nullable = True
            schema = render(shape) if shape.types else {"type": "object"}
            schemas[camel(resource, upper=True)] = schema
        for op in ops:  # items that are not the operation's resource get a schema of their own
            if op.page.rel in self.own_schemas and not op.alias_of:
                items = op.example if isinstance(op.example, list) else [op.example]
                dicts = [item for item in items if isinstance(item, dict)]
                shape = self.finish_shape(infer_many(dicts), False)
                schemas[self.own_schemas[op.page.rel]] = render(shape)
        paths: dict[str, Any] = {}
        for op in sorted(ops, key=lambda o: (o.path, METHOD_ORDER.index(o.method))):
            paths.setdefault(op.path, {})[op.method.lower()] = self.operation(op, schemas)
        self.add_links(ops, paths)
        spec = {
            "openapi": "3.1.0",
            "info": {
                **self.overlay["info"],
                "title": self.overlay["info"]["title"]
                + ("" if core else " — Plane Cloud features"),
            },
            "servers": self.overlay["servers"],
            "security": [{"ApiKeyAuth": []}],
            "tags": [{"name": r} for r in resources],
            "paths": paths,
            "components": {
                "securitySchemes": {
                    "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
                },
                "parameters": shared_parameters(),
                "headers": rate_limit_headers(),
                "responses": error_responses(),
                "schemas": schemas,
            },
        }
        return spec

    def operation(self, op: Op, schemas: dict[str, Any]) -> dict[str, Any]:
        rel = op.page.rel
        paginated = self.overlay.get("paginated_override", {}).get(rel, is_envelope(op.example))
        out: dict[str, Any] = {
            "operationId": op.operation_id,
            "tags": [op.resource],
            "x-docs-source": {"page": rel, "title": op.page.title},
        }
        if op.also:
            out["x-docs-also"] = [{"page": p.rel, "title": p.title} for p in op.also]
        out |= {
            "x-core": op.core,
            "x-paginated": bool(paginated),
            "x-resource": op.resource,
            "x-kind": op.kind,
        }
        if op.alias_of:
            out["x-alias-of"] = op.alias_of
        params = self.parameters(op, paginated)
        if params:
            out["parameters"] = params
        body_params = [p for page in [op.page, *op.also] for p in page.params.get("body", [])]
        if body_params:
            unique = list({p.name: p for p in body_params}.values())
            name = camel(op.operation_id, upper=True) + "Request"
            schemas[name] = self.body_schema(unique, op.method, rel, schemas)
            out["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                },
            }
        elif undocumented := (self.overlay.get("undocumented_bodies") or {}).get(rel):
            # The page shows no body; the overlay names what a server needs, optional as a whole.
            name = camel(op.operation_id, upper=True) + "Request"
            schemas[name] = {"type": "object", "properties": undocumented}
            out["requestBody"] = {
                "required": False,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                },
            }
            if not op.alias_of:
                self.note(f"{rel}: documents no request body; overlay: {', '.join(undocumented)}")
        out["responses"] = self.responses(op, paginated, schemas)
        return out

    def parameters(self, op: Op, paginated: bool) -> list[dict[str, Any]]:
        docs = {p.name: p for p in op.page.params.get("path", [])}
        params = []
        for name in PARAM_RE.findall(op.path):
            p = docs.get(name)
            if name.endswith("slug"):
                schema: dict[str, Any] = {"type": "string"}
            elif p and p.type == "integer":
                schema = {"type": "integer"}
            elif name.endswith("_id") or name == "pk":
                schema = {"type": "string", "format": "uuid"}
            else:
                schema = {"type": "string"}
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
        if op.path != op.page.path and not op.alias_of:
            pass  # renamed parameters already recorded
        elif p_missing := [n for n in PARAM_RE.findall(op.page.path or "") if n not in docs]:
            self.note(
                f"{op.page.rel}: path parameter(s) {', '.join(p_missing)} not described on the page"
            )
        query = list(op.page.params.get("query", []))
        names = {p.name for p in query}
        if paginated:
            for missing in ("cursor", "per_page"):
                if missing not in names:
                    self.note(
                        f"{op.page.rel}: paginated list does not document the {missing} parameter"
                    )
                    query.append(DocParam(missing, "string", False))
        if paginated and op.kind != "list" and not op.alias_of:
            self.note(
                f"{op.page.rel}: a single-item {op.method} answers with a paginated list envelope"
            )
        if "per_page" in names and not op.alias_of:
            self.note("per_page: operation pages say default 20, the introduction says default 100")
        if not op.path.endswith("/") and not op.alias_of:
            self.note(f"{op.page.rel}: path has no trailing slash unlike every other endpoint")
        if not paginated and "cursor" in names and op.kind not in ("list",):
            self.note(
                f"{op.page.rel}: offers cursor/per_page but its response is not a paginated list"
            )
        for p in sorted(query, key=lambda q: q.name):
            if p.name in SHARED_QUERY:
                params.append({"$ref": f"#/components/parameters/{SHARED_QUERY[p.name]}"})
            else:
                schema = {
                    "type": "integer"
                    if p.type == "integer"
                    else "boolean"
                    if p.type == "boolean"
                    else "string"
                }
                if p.name.endswith("_id"):
                    schema["format"] = "uuid"
                params.append(
                    {"name": p.name, "in": "query", "required": p.required, "schema": schema}
                )
        return params

    def responses(self, op: Op, paginated: bool, schemas: dict[str, Any]) -> dict[str, Any]:
        rel, docs_status = op.page.rel, op.docs_status
        extras = (self.overlay.get("extra_responses") or {}).get(rel) or {}
        if op.kind == "create":
            status = 201
        elif op.kind == "delete":
            status = 204
        else:
            status = docs_status or 200
        if docs_status is None and not op.alias_of:
            shown = [r.status for r in op.page.responses]
            self.note(
                f"{rel}: no success response documented (only {shown}); overlay: {sorted(extras)}"
            )
        elif docs_status != status and not op.alias_of:
            self.note(
                f"{rel}: shows {docs_status} for a {op.kind}; the introduction's rule: {status}"
            )
        responses: dict[str, Any] = {}
        success: dict[str, Any] = {"description": "Success", "headers": header_refs()}
        schema = None if status == 204 else self.success_schema(op, paginated)
        if schema is not None:
            success["content"] = {"application/json": {"schema": schema}}
        if docs_status is not None or not extras:  # a documented redirect replaces the default
            responses[str(status)] = success
        if docs_status is not None and docs_status != status and not op.alias_of:
            responses[str(status)]["x-docs-status"] = docs_status
        if op.kind == "create" and docs_status not in (None, status) and 200 <= docs_status < 300:
            # The docs contradict themselves: the introduction gives a create 201, this page
            # shows another success code. A server that follows either conforms (specs/README.md).
            responses[str(docs_status)] = copy.deepcopy(
                {k: v for k, v in success.items() if k != "x-docs-status"}
                | {"description": "Success (the status this operation's page documents)"}
            )
        for code, extra in extras.items():
            headers = header_refs() | {
                h: {"schema": {"type": "string"}} for h in extra.get("headers", [])
            }
            responses[str(code)] = {"description": "Redirect", "headers": headers}
        for code, name in ERROR_RESPONSES.items():
            responses[code] = {"$ref": f"#/components/responses/{name}"}
        return dict(sorted(responses.items()))

    def success_schema(self, op: Op, paginated: bool) -> dict[str, Any] | None:
        example = op.example
        name = self.own_schemas.get(op.page.rel, camel(op.resource, upper=True))
        ref = {"$ref": f"#/components/schemas/{name}"}
        shape_override = (self.overlay.get("response_shape") or {}).get(op.page.rel)
        if shape_override == "array":
            return {"type": "array", "items": ref}
        if paginated:
            return {
                "allOf": [
                    {"$ref": "#/components/schemas/PaginatedResponse"},
                    {"type": "object", "properties": {"results": {"type": "array", "items": ref}}},
                ]
            }
        if op.kind in ("list", "create", "retrieve", "update") and not is_message(example):
            if isinstance(example, list):
                return {"type": "array", "items": ref}
            if isinstance(example, dict) or example is None:
                return ref
        if example is None:
            return None
        return render(self.finish_shape(infer(example), False))

    def add_links(self, ops: list[Op], paths: dict[str, Any]) -> None:
        """Links from each create's 201 to the operations on the created item and its children."""
        pointers = self.overlay.get("link_id_pointer") or {}
        for create in ops:
            if create.kind != "create":
                continue
            base = path_shape(create.path)
            links: dict[str, Any] = {}
            for target in ops:
                shape = path_shape(target.path)
                if (
                    target is create
                    or not shape.startswith(base + "{}/")
                    or target.alias_of != create.alias_of
                ):
                    continue
                if "{" in shape[len(base) + 3 :] or (target.kind == "create" and shape == base):
                    continue
                mapping = {}
                create_params = PARAM_RE.findall(create.path)
                for index, name in enumerate(PARAM_RE.findall(target.path)):
                    if index < len(create_params):
                        mapping[name] = f"$request.path.{create_params[index]}"
                    elif index == len(create_params):
                        mapping[name] = "$response.body#" + pointers.get(create.resource, "/id")
                links[target.operation_id] = {
                    "operationId": target.operation_id,
                    "parameters": mapping,
                }
            if links:
                responses = paths[create.path][create.method.lower()]["responses"]
                for code in ("201", *(c for c in responses if c.startswith("2") and c != "201")):
                    if code in responses:
                        responses[code]["links"] = copy.deepcopy(dict(sorted(links.items())))


METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def shared_parameters() -> dict[str, Any]:
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


def rate_limit_headers() -> dict[str, Any]:
    return {
        "X-RateLimit-Remaining": {"required": True, "schema": {"type": "integer", "minimum": 0}},
        "X-RateLimit-Reset": {"required": True, "schema": {"type": "integer", "minimum": 0}},
    }


def header_refs() -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in rate_limit_headers()}


def error_responses() -> dict[str, Any]:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    out = {}
    for code, name in ERROR_RESPONSES.items():
        response: dict[str, Any] = {"description": name, "content": error}
        if code != "401":  # rate-limit headers accompany authenticated responses only
            response["headers"] = header_refs()
        out[name] = response
    return out


def base_schemas() -> dict[str, Any]:
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


# --- entry points -------------------------------------------------------------------------


def derive(
    docs: Path | None = None, overlay_path: Path | None = None
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(core spec, cloud spec, contradictions noted while deriving)."""
    deriver = Deriver(read_pages(docs or docs_dir()), load_overlay(overlay_path))
    deriver.collect()
    core, cloud = deriver.build(core=True), deriver.build(core=False)
    return core, cloud, deriver.contradictions


def dump(spec: dict[str, Any]) -> str:
    header = (
        "# GENERATED by `python -m conformance.spec.derive` from the Plane API reference pages\n"
    )
    header += "# and specs/overlay.yaml. Do not edit by hand: change the overlay and re-derive.\n"
    return header + yaml.safe_dump(spec, sort_keys=False, width=100, allow_unicode=True)


def write(out_dir: Path, docs: Path | None = None) -> list[str]:
    core, cloud, contradictions = derive(docs)
    (out_dir / CORE_FILE).write_text(dump(core), encoding="utf-8")
    (out_dir / CLOUD_FILE).write_text(dump(cloud), encoding="utf-8")
    return contradictions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--docs", type=Path, default=None, help="plane-docs folder")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: specs/)")
    parser.add_argument("--contradictions", action="store_true", help="print what was noted")
    args = parser.parse_args(argv)
    notes = write(args.out or specs_dir(), args.docs)
    if args.contradictions:
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

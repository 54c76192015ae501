"""Derive the OpenAPI descriptions of the Plane API from the API reference pages.

    python -m conformance.spec.derive [--docs DIR] [--out DIR]

Reads ../shared/plane-docs/api-reference/**.md and specs/overlay.yaml, writes
specs/plane-v1.openapi.yaml (core, open-source Plane) and specs/plane-v1-cloud.openapi.yaml
(Plane Cloud features). The output is a pure function of its inputs: re-running it writes
byte-identical files. Only structure and a source reference are carried over, never page prose.

By concern: `docs_operations` reads the operations the pages document, `openapi_schemas` holds
the overlay's field rules and the shared components, and this module assembles each description
(paths, parameters, responses, links) and writes it.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import yaml

from conformance.spec.docs_operations import (
    PARAM_RE,
    Notes,
    Op,
    OperationCollector,
    camel,
    is_envelope,
    is_message,
    path_shape,
)
from conformance.spec.docs_pages import DocPage, DocParam, read_pages
from conformance.spec.openapi_schemas import (
    ERROR_RESPONSES,
    SchemaRules,
    base_schemas,
    error_responses,
    header_refs,
    rate_limit_headers,
    shared_parameters,
)
from conformance.spec.overlay import Overlay, load_overlay
from conformance.spec.paths import docs_dir, specs_dir
from conformance.spec.schema_infer import Schema, infer, infer_many, render

CORE_FILE = "plane-v1.openapi.yaml"
CLOUD_FILE = "plane-v1-cloud.openapi.yaml"
SHARED_QUERY = {
    "cursor": "Cursor",
    "per_page": "PerPage",
    "fields": "Fields",
    "expand": "Expand",
    "order_by": "OrderBy",
}
METHOD_ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE"]


# --- the derivation -----------------------------------------------------------------------


class Deriver:
    def __init__(self, pages: list[DocPage], overlay: Overlay) -> None:
        self.pages = pages
        self.overlay = overlay
        self.notes = Notes()
        self.note = self.notes.add
        self.rules = SchemaRules(pages, overlay, self.notes)
        self.own_schemas = self.rules.own_schemas
        self.ops: list[Op] = []

    @property
    def contradictions(self) -> list[str]:
        return self.notes.lines

    def collect(self) -> None:
        self.ops = OperationCollector(self.pages, self.overlay, self.notes).collect()
        self.note_scope_spellings()

    def note_scope_spellings(self) -> None:
        """A scope a page spells with a dash where the others write an underscore."""
        named = {s for op in self.ops for each in op.page.scopes for s in each}
        for op in self.ops:
            for scope in sorted({s for each in op.page.scopes for s in each}):
                usual = scope.replace("-", "_")
                if usual != scope and usual in named:
                    self.note(f"{op.page.rel}: names the scope {scope}, elsewhere {usual}")

    # one file --------------------------------------------------------------------------
    def build(self, core: bool) -> Schema:
        ops = [op for op in self.ops if op.core == core]
        schemas: dict[str, Schema] = base_schemas()
        resources = sorted({op.resource for op in ops})
        expandable = {
            op.resource
            for op in ops
            if any(p.name == "expand" for p in op.page.params.get("query", []))
        }
        for resource in resources:
            examples = self.rules.resource_examples(resource, ops)
            enums = self.rules.resource_enums(resource, ops)
            shape = self.rules.finish_shape(infer_many(examples), resource in expandable, enums)
            for name in self.rules.optional_at_create(resource, ops) & set(shape.props):
                shape.props[name].nullable = True
            schemas[camel(resource, upper=True)] = (
                render(shape) if shape.types else {"type": "object"}
            )
        for op in ops:  # items that are not the operation's resource get a schema of their own
            if op.page.rel in self.own_schemas and not op.alias_of:
                items = op.example if isinstance(op.example, list) else [op.example]
                dicts = [item for item in items if isinstance(item, dict)]
                shape = self.rules.finish_shape(infer_many(dicts), False)
                schemas[self.own_schemas[op.page.rel]] = render(shape)
        paths: dict[str, dict[str, Schema]] = {}
        for op in sorted(ops, key=lambda o: (o.path, METHOD_ORDER.index(o.method))):
            paths.setdefault(op.path, {})[op.method.lower()] = self.operation(op, schemas)
        self.add_links(ops, paths)
        info = self.overlay.info
        spec: Schema = {
            "openapi": "3.1.0",
            "info": {**info, "title": info["title"] + ("" if core else " — Plane Cloud features")},
            "servers": self.overlay.servers,
            "security": [{"ApiKeyAuth": []}],
            "tags": [{"name": r} for r in resources],
            "paths": paths,
            "components": {
                # The introduction's two ways; operations name the key (the schema campaign's
                # stand-in travels in its header), their pages' scopes are `x-scopes`.
                "securitySchemes": {
                    "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                    "BearerAuth": {"type": "http", "scheme": "bearer"},
                },
                "parameters": shared_parameters(),
                "headers": rate_limit_headers(),
                "responses": error_responses(),
                "schemas": schemas,
            },
        }
        return spec

    def operation(self, op: Op, schemas: dict[str, Schema]) -> Schema:
        rel = op.page.rel
        paginated = self.overlay.paginated_override.get(rel, is_envelope(op.example))
        out: Schema = {
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
        if op.page.scopes:
            # The page's "Scopes": alternatives, each the scopes it needs together (space-joined,
            # as OAuth writes a set of scopes); read by conformance.spec.scopes.
            out["x-scopes"] = [" ".join(alternative) for alternative in op.page.scopes]
        elif not op.alias_of:
            self.note(f"{rel}: its Scopes section names no scope")
        params = self.parameters(op, paginated)
        if params:
            out["parameters"] = params
        body_params = [p for page in [op.page, *op.also] for p in page.params.get("body", [])]
        if body_params:
            unique = list({p.name: p for p in body_params}.values())
            name = camel(op.operation_id, upper=True) + "Request"
            schemas[name] = self.rules.body_schema(unique, op.method, rel, schemas)
            out["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                },
            }
        elif undocumented := self.overlay.undocumented_bodies.get(rel):
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

    def parameters(self, op: Op, paginated: bool) -> list[Schema]:
        docs = {p.name: p for p in op.page.params.get("path", [])}
        params = []
        for name in PARAM_RE.findall(op.path):
            p = docs.get(name)
            if name.endswith("slug"):
                schema: Schema = {"type": "string"}
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

    def responses(self, op: Op, paginated: bool, schemas: dict[str, Schema]) -> dict[str, Schema]:
        rel, docs_status = op.page.rel, op.docs_status
        extras = self.overlay.extra_responses.get(rel) or {}
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
        responses: dict[str, Schema] = {}
        success: Schema = {"description": "Success", "headers": header_refs()}
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
            headers = header_refs() | {h: {"schema": {"type": "string"}} for h in extra.headers}
            responses[str(code)] = {"description": "Redirect", "headers": headers}
        for code, name in ERROR_RESPONSES.items():
            responses[code] = {"$ref": f"#/components/responses/{name}"}
        return dict(sorted(responses.items()))

    def success_schema(self, op: Op, paginated: bool) -> Schema | None:
        example = op.example
        name = self.own_schemas.get(op.page.rel, camel(op.resource, upper=True))
        ref: Schema = {"$ref": f"#/components/schemas/{name}"}
        shape_override = self.overlay.response_shape.get(op.page.rel)
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
        return render(self.rules.finish_shape(infer(example), False))

    def add_links(self, ops: list[Op], paths: dict[str, dict[str, Schema]]) -> None:
        """Links from each create's 201 to the operations on the created item and its children."""
        pointers = self.overlay.link_id_pointer
        for create in ops:
            if create.kind != "create":
                continue
            base = path_shape(create.path)
            links: dict[str, Schema] = {}
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
            responses = paths[create.path][create.method.lower()]["responses"]
            if links and isinstance(responses, dict):
                for code in ("201", *(c for c in responses if c.startswith("2") and c != "201")):
                    if isinstance(responses.get(code), dict):
                        responses[code]["links"] = copy.deepcopy(dict(sorted(links.items())))


# --- entry points -------------------------------------------------------------------------


def derive(
    docs: Path | None = None, overlay_path: Path | None = None
) -> tuple[Schema, Schema, list[str]]:
    """(core spec, cloud spec, contradictions noted while deriving)."""
    deriver = Deriver(read_pages(docs or docs_dir()), load_overlay(overlay_path))
    deriver.collect()
    core, cloud = deriver.build(core=True), deriver.build(core=False)
    return core, cloud, deriver.contradictions


def dump(spec: Schema) -> str:
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

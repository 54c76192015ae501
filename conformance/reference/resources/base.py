"""A resource definition and the generic list / create / retrieve / update / delete handlers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.fault import Fault
from conformance.reference.rules import fields_expand, pagination
from conformance.reference.rules.errors import (
    ApiError,
    bad_request,
    created,
    deleted,
    field_errors,
    json_response,
)
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, check_date_order, validate_body

PATCH_NOT_PERSISTED = Fault(
    "patch-not-persisted", ("STATUS-004",), "PATCH answers the changed object but stores nothing"
)
FAULTS = (PATCH_NOT_PERSISTED,)

Hook = Callable[[Ctx, Doc], None]


def _no_hook(ctx: Ctx, doc: Doc) -> None:
    return None


@dataclass(frozen=True)
class Resource:
    kind: str
    label: str  # for messages: "Work item"
    specs: Mapping[str, FieldSpec]  # writable fields
    output: tuple[str, ...]  # every field of the object, in order
    expandable: Mapping[str, str] = field(default_factory=dict)  # field -> related kind
    unique: tuple[str, ...] = ()  # unique within the parent scope; a clash answers 409
    defaults: Mapping[str, Any] = field(default_factory=dict)
    date_range: tuple[str, str] | None = None
    prepare: Hook = _no_hook  # domain rules on the merged object before it is stored
    after_create: Hook = _no_hook
    before_delete: Hook = _no_hook
    serialize: Callable[[Ctx, Doc], Doc] = lambda ctx, doc: doc


@dataclass(frozen=True)
class Scope:
    """Where documents of a resource live: a project (and a parent work item), or the workspace."""

    project: str | None = None
    parent: str | None = None


# --- references --------------------------------------------------------------------------------
def check_references(
    ctx: Ctx, resource: Resource, clean: Mapping[str, Any], project: str | None
) -> None:
    """Every referenced id must exist in scope (assignees must be workspace members)."""
    errors: dict[str, list[str]] = {}
    for name, value in clean.items():
        spec = resource.specs[name]
        if spec.ref is None or value is None:
            continue
        for ref_id in value if isinstance(value, list) else [value]:
            if spec.ref == "member":
                ok = ctx.is_member(ref_id)
            else:
                target = ctx.store.get(spec.ref, ref_id)
                ok = target is not None and target.get("project") == project
            if not ok:
                errors.setdefault(name, []).append(
                    f'Invalid pk "{ref_id}" - object does not exist.'
                )
    if errors:
        raise field_errors(errors)


def check_unique(ctx: Ctx, resource: Resource, doc: Doc, project: str | None) -> None:
    for name in resource.unique:
        value = doc.get(name)
        if value is None:
            continue
        clash = ctx.store.find(resource.kind, project=project, field=name, value=value)
        if clash is not None and clash["id"] != doc.get("id"):
            raise ApiError(
                409,
                {"error": f"{resource.label} with this {name} already exists", "id": clash["id"]},
            )


# --- shaping -----------------------------------------------------------------------------------
def expanders(ctx: Ctx, resource: Resource) -> dict[str, fields_expand.Expander]:
    def make(kind: str) -> fields_expand.Expander:
        def one(ref: Any) -> Any:
            return ctx.store.get(kind, ref) if isinstance(ref, str) else None

        def expand(value: Any) -> Any:
            if isinstance(value, list):
                return [obj for obj in map(one, value) if obj is not None]
            return one(value)

        return expand

    return {name: make(kind) for name, kind in resource.expandable.items()}


def shaping(ctx: Ctx, resource: Resource) -> fields_expand.Shaping:
    return fields_expand.parse(ctx.params, resource.output, tuple(resource.expandable), ctx.config)


def ordering(ctx: Ctx, resource: Resource) -> tuple[str, bool] | None:
    raw = (ctx.params.get("order_by") or "").strip()
    if not raw:
        return None
    name = raw.removeprefix("-")
    if name not in resource.output:
        raise bad_request(f"Cannot order by: {name}", invalid_order_by=[name])
    return name, raw.startswith("-")


# --- handlers ----------------------------------------------------------------------------------
def list_response(
    ctx: Ctx,
    resource: Resource,
    scope: Scope,
    *,
    archived: bool | None = None,
    member_of: tuple[str, str] | None = None,
) -> Response:
    shape = shaping(ctx, resource)
    page = pagination.parse(ctx.params, ctx.config)
    order = ordering(ctx, resource)
    where = {
        "project": scope.project,
        "parent": scope.parent,
        "archived": archived,
        "member_of": member_of,
    }
    total = ctx.store.count(resource.kind, **where)
    expand = expanders(ctx, resource)

    def fetch(offset: int, limit: int) -> list[Doc]:
        docs = ctx.store.query(resource.kind, **where, offset=offset, limit=limit, order=order)
        return [fields_expand.shape(resource.serialize(ctx, d), shape, expand) for d in docs]

    return json_response(pagination.paginate(page, total, fetch, ctx.config), ctx.config)


def retrieve_response(ctx: Ctx, resource: Resource, doc: Doc) -> Response:
    shape = shaping(ctx, resource)
    body = fields_expand.shape(resource.serialize(ctx, doc), shape, expanders(ctx, resource))
    return json_response(body, ctx.config)


def create_doc(ctx: Ctx, resource: Resource, scope: Scope, body: Any) -> Doc:
    clean = validate_body(body, resource.specs, ctx.config, partial=False)
    check_references(ctx, resource, clean, scope.project)
    doc: Doc = {name: None for name in resource.output}
    doc.update({k: (list(v) if isinstance(v, list) else v) for k, v in resource.defaults.items()})
    doc.update(clean)
    if scope.project is not None and "project" in doc:
        doc["project"] = scope.project
    if "workspace" in doc:
        doc["workspace"] = ctx.workspace["id"]
    ctx.stamp(doc, created=True)
    # One transaction: a rule failing half-way (400, 409) leaves nothing stored.
    with ctx.store.transaction():
        resource.prepare(ctx, doc)
        if resource.date_range:
            check_date_order(doc, *resource.date_range, ctx.config)
        check_unique(ctx, resource, doc, scope.project)
        ctx.store.insert(resource.kind, doc, project=scope.project, parent=scope.parent)
        resource.after_create(ctx, doc)
    return doc


def create_response(ctx: Ctx, resource: Resource, scope: Scope) -> Response:
    doc = create_doc(ctx, resource, scope, ctx.body)
    return created(resource.serialize(ctx, doc), ctx.config)


def update_response(ctx: Ctx, resource: Resource, doc: Doc, scope: Scope) -> Response:
    clean = validate_body(ctx.body, resource.specs, ctx.config, partial=True)
    check_references(ctx, resource, clean, scope.project)
    merged = {**doc, **clean}
    ctx.stamp(merged, created=False)
    with ctx.store.transaction():
        resource.prepare(ctx, merged)
        if resource.date_range:
            check_date_order(merged, *resource.date_range, ctx.config)
        check_unique(ctx, resource, merged, scope.project)
        if not ctx.config.has(PATCH_NOT_PERSISTED.name):
            ctx.store.replace(resource.kind, merged)
    return json_response(resource.serialize(ctx, merged), ctx.config)


def delete_response(ctx: Ctx, resource: Resource, doc: Doc) -> Response:
    resource.before_delete(ctx, doc)
    with ctx.store.transaction():
        ctx.store.delete(resource.kind, doc["id"])
    return deleted(resource.serialize(ctx, doc), ctx.config)

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
    not_found,
)
from conformance.reference.store import Doc, ScopeFilter
from conformance.reference.validation import FieldSpec, check_date_order, validate_body

PATCH_NOT_PERSISTED = Fault(
    "patch-not-persisted", ("STATUS-004",), "PATCH answers the changed object but stores nothing"
)
# Integrator faults (round-trip, side effects, ordering, shape): each breaks one rule below.
CREATE_DROPS_DESCRIPTION = Fault(
    "create-drops-description", ("RT-001",), "a create accepts description_html but stores none"
)
PATCH_WIPES_UNNAMED = Fault(
    "patch-wipes-unnamed-fields",
    ("RT-002",),
    "a PATCH resets the fields it does not name (assignees, labels...) to their defaults",
)
EMPTY_LIST_IGNORED = Fault(
    "empty-list-ignored", ("RT-004",), "a PATCH with labels: [] keeps the old labels"
)
UNKNOWN_LABEL_DROPPED = Fault(
    "unknown-label-dropped", ("RT-005",), "unknown label ids are silently dropped, not refused"
)
CREATE_STORED_ON_ERROR = Fault(
    "create-stored-on-error",
    ("SIDE-001", "SIDE-003"),
    "a create refused by a domain rule (dates, uniqueness) is stored anyway before the 400",
)
PATCH_APPLIED_ON_ERROR = Fault(
    "patch-applied-on-error",
    ("SIDE-002",),
    "a PATCH refused by a domain rule (dates) is stored anyway before the 400",
)
ORDER_BY_IGNORED = Fault(
    "order-by-ignored", ("ORD-001", "ORD-002"), "order_by is ignored, known or not"
)
UNKNOWN_ORDER_BY_500 = Fault(
    "unknown-order-by-500", ("ORD-002", "ORD-003"), "an unknown order_by answers 500"
)
FILTERS_IGNORED = Fault(
    "filters-ignored", ("ORD-004",), "external_id / external_source do not narrow the list"
)
CYCLE_LIST_SEQUENCE_STRING = Fault(
    "cycle-list-sequence-string",
    ("SHAPE-001",),
    "the cycle work-item list gives sequence_id as a string (an integer elsewhere)",
)
EXPAND_FIRST_ITEM_ONLY = Fault(
    "expand-first-item-only",
    ("SHAPE-002",),
    "expand applies to the first item of a list page only",
)
CREATE_ANSWER_DROPS_NAME = Fault(
    "create-answer-drops-name",
    ("STATUS-002",),
    "the 201 answer leaves out the name sent (the object is stored with it)",
)
FRESH_OBJECT_NOT_FOUND = Fault(
    "fresh-object-not-found",
    ("STATUS-003",),
    "GET of an object answers 404 until it is first modified (reads lag behind creates)",
)
FAULTS = (
    CREATE_ANSWER_DROPS_NAME,
    FRESH_OBJECT_NOT_FOUND,
    PATCH_NOT_PERSISTED,
    CREATE_DROPS_DESCRIPTION,
    PATCH_WIPES_UNNAMED,
    EMPTY_LIST_IGNORED,
    UNKNOWN_LABEL_DROPPED,
    CREATE_STORED_ON_ERROR,
    PATCH_APPLIED_ON_ERROR,
    ORDER_BY_IGNORED,
    UNKNOWN_ORDER_BY_500,
    FILTERS_IGNORED,
    CYCLE_LIST_SEQUENCE_STRING,
    EXPAND_FIRST_ITEM_ONLY,
)
FILTERS = ("external_id", "external_source")  # documented list filters, applied together

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
    for name, value in list(clean.items()):
        spec = resource.specs[name]
        if spec.ref is None or value is None:
            continue
        if (
            spec.ref == "label"
            and isinstance(value, list)
            and ctx.config.has(UNKNOWN_LABEL_DROPPED.name)
        ):
            known = [
                i for i in value if (ctx.store.get("label", i) or {}).get("project") == project
            ]
            clean[name] = known  # type: ignore[index]
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
    if ctx.config.has(ORDER_BY_IGNORED.name):
        return None
    if name not in resource.output:
        if ctx.config.has(UNKNOWN_ORDER_BY_500.name):
            raise ApiError(500, {"error": "Internal server error"})
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
    where: ScopeFilter = {
        "project": scope.project,
        "parent": scope.parent,
        "archived": archived,
        "member_of": member_of,
    }
    total = ctx.store.count(resource.kind, **where)
    expand = expanders(ctx, resource)
    wanted = {name: ctx.params.get(name) for name in FILTERS if name in resource.output}
    matching: list[Doc] | None = None
    filtered = len(wanted) == len(FILTERS) and all(wanted.values())
    if filtered and not ctx.config.has(FILTERS_IGNORED.name):
        docs = ctx.store.query(resource.kind, **where, order=order)
        matching = [d for d in docs if all(d.get(k) == v for k, v in wanted.items())]
        total = len(matching)

    def fetch(offset: int, limit: int) -> list[Doc]:
        if matching is not None:
            docs = matching[offset : offset + limit]
        else:
            docs = ctx.store.query(resource.kind, **where, offset=offset, limit=limit, order=order)
        items = [_list_item(ctx, resource, d, member_of) for d in docs]
        shapes = [shape] * len(items)
        if ctx.config.has(EXPAND_FIRST_ITEM_ONLY.name):
            shapes[1:] = [fields_expand.Shaping(shape.fields, ())] * (len(items) - 1)
        return [fields_expand.shape(d, s, expand) for d, s in zip(items, shapes, strict=True)]

    return json_response(pagination.paginate(page, total, fetch, ctx.config), ctx.config)


def _list_item(ctx: Ctx, resource: Resource, doc: Doc, member_of: tuple[str, str] | None) -> Doc:
    item = resource.serialize(ctx, doc)
    cycle_list = member_of is not None and member_of[0] == "cycle"
    if cycle_list and ctx.config.has(CYCLE_LIST_SEQUENCE_STRING.name):
        item = {**item, "sequence_id": str(item.get("sequence_id"))}
    return item


def retrieve_response(ctx: Ctx, resource: Resource, doc: Doc) -> Response:
    never_changed = doc.get("updated_at") == doc.get("created_at")
    if never_changed and ctx.config.has(FRESH_OBJECT_NOT_FOUND.name):
        raise not_found(resource.label, ctx.config)
    shape = shaping(ctx, resource)
    body = fields_expand.shape(resource.serialize(ctx, doc), shape, expanders(ctx, resource))
    return json_response(body, ctx.config)


def create_doc(ctx: Ctx, resource: Resource, scope: Scope, body: Any) -> Doc:
    clean = validate_body(body, resource.specs, ctx.config, partial=False)
    check_references(ctx, resource, clean, scope.project)
    doc: Doc = {name: None for name in resource.output}
    doc.update({k: (list(v) if isinstance(v, list) else v) for k, v in resource.defaults.items()})
    doc.update(clean)
    if ctx.config.has(CREATE_DROPS_DESCRIPTION.name) and "description_html" in clean:
        doc["description_html"] = resource.defaults.get("description_html")
    if scope.project is not None and "project" in doc:
        doc["project"] = scope.project
    if "workspace" in doc:
        doc["workspace"] = ctx.workspace["id"]
    ctx.stamp(doc, created=True)
    if ctx.config.has(CREATE_STORED_ON_ERROR.name):
        # Stored first and outside any transaction: a rule failing afterwards leaves it behind.
        resource.prepare(ctx, doc)
        ctx.store.insert(resource.kind, doc, project=scope.project, parent=scope.parent)
    # One transaction: a rule failing half-way (400, 409) leaves nothing stored.
    stored_early = ctx.config.has(CREATE_STORED_ON_ERROR.name)
    with ctx.store.transaction():
        if not stored_early:
            resource.prepare(ctx, doc)
        if resource.date_range:
            check_date_order(doc, *resource.date_range, ctx.config)
        check_unique(ctx, resource, doc, scope.project)
        if not stored_early:
            ctx.store.insert(resource.kind, doc, project=scope.project, parent=scope.parent)
        resource.after_create(ctx, doc)
    return doc


def create_response(ctx: Ctx, resource: Resource, scope: Scope) -> Response:
    doc = create_doc(ctx, resource, scope, ctx.body)
    answer = resource.serialize(ctx, doc)
    if ctx.config.has(CREATE_ANSWER_DROPS_NAME.name):
        answer = {k: v for k, v in answer.items() if k != "name"}
    return created(answer, ctx.config)


def update_response(ctx: Ctx, resource: Resource, doc: Doc, scope: Scope) -> Response:
    clean = validate_body(ctx.body, resource.specs, ctx.config, partial=True)
    check_references(ctx, resource, clean, scope.project)
    if ctx.config.has(EMPTY_LIST_IGNORED.name):
        clean = {k: v for k, v in clean.items() if v != []}
    merged = {**doc, **clean}
    if ctx.config.has(PATCH_WIPES_UNNAMED.name):
        merged |= {k: v for k, v in resource.defaults.items() if k not in clean}
    ctx.stamp(merged, created=False)
    if ctx.config.has(PATCH_APPLIED_ON_ERROR.name):
        ctx.store.replace(resource.kind, merged)  # before the rules: a 400 leaves it changed
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

"""The generic handlers of one object: create, retrieve, update and delete.

The faults here break the round trip of what is written (RT-*), the absence of side effects of a
refused write (SIDE-*), and the status and body of each answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.faults import declare_fault
from conformance.reference.resources.base import Resource, Scope, expanders, shaping
from conformance.reference.resources.routing import Handler
from conformance.reference.rules import fields_expand
from conformance.reference.rules.errors import (
    ApiError,
    created,
    deleted,
    field_errors,
    json_response,
    not_found,
)
from conformance.reference.store import Doc
from conformance.reference.validation import check_date_order, validate_body

UNKNOWN_LABEL_DROPPED = declare_fault(
    "unknown-label-dropped", ("RT-005",), "unknown label ids are silently dropped, not refused"
)


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


FRESH_OBJECT_NOT_FOUND = declare_fault(
    "fresh-object-not-found",
    ("STATUS-003",),
    "GET of an object answers 404 until it is first modified (reads lag behind creates)",
)


def retrieve_response(ctx: Ctx, resource: Resource, doc: Doc) -> Response:
    never_changed = doc.get("updated_at") == doc.get("created_at")
    if never_changed and ctx.config.has(FRESH_OBJECT_NOT_FOUND.name):
        raise not_found(resource.label, ctx.config)
    shape = shaping(ctx, resource)
    body = fields_expand.shape(
        resource.serialize(ctx, doc, "read"), shape, expanders(ctx, resource)
    )
    return json_response(body, ctx.config)


CREATE_DROPS_DESCRIPTION = declare_fault(
    "create-drops-description", ("RT-001",), "a create accepts description_html but stores none"
)
CREATE_STORED_ON_ERROR = declare_fault(
    "create-stored-on-error",
    ("SIDE-001", "SIDE-003"),
    "a create refused by a domain rule (dates, uniqueness) is stored anyway before the 400",
)


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


CREATE_ANSWER_DROPS_NAME = declare_fault(
    "create-answer-drops-name",
    ("STATUS-002",),
    "the 201 answer leaves out the name sent (the object is stored with it)",
)


def create_response(ctx: Ctx, resource: Resource, scope: Scope) -> Response:
    doc = create_doc(ctx, resource, scope, ctx.body)
    answer = resource.serialize(ctx, doc, "create")
    if ctx.config.has(CREATE_ANSWER_DROPS_NAME.name):
        answer = {k: v for k, v in answer.items() if k != "name"}
    return created(answer, ctx.config)


PATCH_NOT_PERSISTED = declare_fault(
    "patch-not-persisted", ("STATUS-004",), "PATCH answers the changed object but stores nothing"
)
PATCH_WIPES_UNNAMED = declare_fault(
    "patch-wipes-unnamed-fields",
    ("RT-002",),
    "a PATCH resets the fields it does not name (assignees, labels...) to their defaults",
)
EMPTY_LIST_IGNORED = declare_fault(
    "empty-list-ignored", ("RT-004",), "a PATCH with labels: [] keeps the old labels"
)
PATCH_APPLIED_ON_ERROR = declare_fault(
    "patch-applied-on-error",
    ("SIDE-002",),
    "a PATCH refused by a domain rule (dates) is stored anyway before the 400",
)


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
    return json_response(resource.serialize(ctx, merged, "update"), ctx.config)


def delete_response(ctx: Ctx, resource: Resource, doc: Doc) -> Response:
    resource.before_delete(ctx, doc)
    with ctx.store.transaction():
        ctx.store.delete(resource.kind, doc["id"])
    return deleted(resource.serialize(ctx, doc, "delete"), ctx.config)


def object_routes(
    resource: Resource, one: Callable[[Ctx], Doc], scope: Callable[[Ctx], Scope]
) -> dict[str, Handler]:
    """The GET, PATCH and DELETE handlers of a detail path: `one` finds the object."""
    return {
        "GET": lambda ctx: retrieve_response(ctx, resource, one(ctx)),
        "PATCH": lambda ctx: update_response(ctx, resource, one(ctx), scope(ctx)),
        "DELETE": lambda ctx: delete_response(ctx, resource, one(ctx)),
    }

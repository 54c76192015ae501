"""Intake issues: a work item submitted to a project's intake, then accepted, declined, snoozed or
marked duplicate. Created with its work item; addressed by that work item's id (as documented)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.resources import activities, crud, listing, work_items
from conformance.reference.resources.base import Resource, project_scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import ApiError, created, deleted, field_errors, not_found
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, validate_body

PENDING, DECLINED, SNOOZED, ACCEPTED, DUPLICATE = -2, -1, 0, 1, 2
STATUSES = (PENDING, DECLINED, SNOOZED, ACCEPTED, DUPLICATE)

UPDATE_SPECS = {
    "status": FieldSpec("enum", choices=STATUSES, nullable=False),
    "snoozed_till": FieldSpec("date"),
    "duplicate_to": FieldSpec("uuid", ref="work_item"),
    "source": FieldSpec("str", nullable=False, max_length=255),
    "source_email": FieldSpec("str"),
    "issue": FieldSpec("json", nullable=False),
}
# What the nested `issue` of an update may change (the work item's own rules apply).
ISSUE_FIELDS = ("name", "description_html", "priority")

OUTPUT = (
    "id", "created_at", "updated_at", "status", "snoozed_till", "duplicate_to", "source",
    "source_email", "issue", "project", "workspace", "created_by", "updated_by",
)  # fmt: skip


def _serialize(ctx: Ctx, doc: Doc) -> Doc:
    """The stored work item id becomes the documented nested summary of the work item."""
    item = ctx.store.get("work_item", doc["issue"]) or {}
    summary = {
        "id": doc["issue"],
        "name": item.get("name", ""),
        "description": item.get("description_html") or "",
        "priority": item.get("priority") or "none",
        "sequence_id": item.get("sequence_id"),
    }
    return {**doc, "issue": summary}


RESOURCE = Resource(
    kind="intake_issue",
    label="Intake issue",
    specs=UPDATE_SPECS,
    output=OUTPUT,
    expandable={
        "project": "project",
        "workspace": "workspace",
        "created_by": "user",
        "updated_by": "user",
        "duplicate_to": "work_item",
    },
    serialize=_serialize,
)


def _nested(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise field_errors({"issue": ["Expected a JSON object."]})
    return body


def _as_issue_errors(error: ApiError) -> ApiError:
    """A 400 from the nested work item, reported under `issue` (DRF nests them the same way)."""
    if error.status == 400:
        return ApiError(400, {"issue": error.body})
    return error


def _one(ctx: Ctx) -> Doc:
    project = ctx.project()
    item_id = ctx.path["work_item_id"]
    doc = ctx.store.find("intake_issue", project=project["id"], field="issue", value=item_id)
    if doc is None:
        raise not_found("Intake issue", ctx.config)
    return doc


def list_intake(ctx: Ctx) -> Response:
    return listing.list_response(ctx, RESOURCE, project_scope(ctx))


def add_intake(ctx: Ctx) -> Response:
    scope = project_scope(ctx)
    body = ctx.body if isinstance(ctx.body, dict) else None
    if body is None:
        raise field_errors({"non_field_errors": ["Expected a JSON object."]})
    if "issue" not in body:
        raise field_errors({"issue": ["This field is required."]})
    issue = _nested(body["issue"])
    try:
        item = crud.create_doc(ctx, work_items.RESOURCE, scope, issue)
    except ApiError as error:
        raise _as_issue_errors(error) from None
    activities.record_created(ctx, item)
    doc: Doc = {name: None for name in OUTPUT}
    doc.update(
        status=PENDING, source="in_app", issue=item["id"], project=scope.project,
        workspace=ctx.workspace["id"],
    )  # fmt: skip
    ctx.stamp(doc, created=True)
    ctx.store.insert("intake_issue", doc, project=scope.project, parent=item["id"])
    return created(_serialize(ctx, doc), ctx.config)


def get_intake(ctx: Ctx) -> Response:
    return crud.retrieve_response(ctx, RESOURCE, _one(ctx))


def _update_item(ctx: Ctx, item_id: str, changes: dict[str, Any]) -> None:
    specs = {name: work_items.SPECS[name] for name in ISSUE_FIELDS}
    try:
        clean = validate_body(changes, specs, ctx.config, partial=True)
    except ApiError as error:
        raise _as_issue_errors(error) from None
    item = ctx.store.get("work_item", item_id)
    if item is None or not clean:
        return
    merged = {**item, **clean}
    ctx.stamp(merged, created=False)
    work_items.RESOURCE.prepare(ctx, merged)
    ctx.store.replace("work_item", merged)
    activities.record(ctx, activities.changes(ctx, item, merged))


def _state_of_group(ctx: Ctx, project: str, group: str) -> str | None:
    state = ctx.store.find("state", project=project, field="group", value=group)
    return state["id"] if state else None


def update_intake(ctx: Ctx) -> Response:
    doc = _one(ctx)
    clean = validate_body(ctx.body, UPDATE_SPECS, ctx.config, partial=True)
    crud.check_references(ctx, RESOURCE, clean, doc["project"])
    issue_changes = _nested(clean.pop("issue")) if "issue" in clean else {}
    merged = {**doc, **clean}
    if merged.get("duplicate_to") == doc["issue"]:
        raise field_errors({"duplicate_to": ["A work item cannot duplicate itself."]})
    if merged["status"] == DUPLICATE and not merged.get("duplicate_to"):
        raise field_errors({"duplicate_to": ["Required when the status is duplicate (2)."]})
    ctx.stamp(merged, created=False)
    _update_item(ctx, doc["issue"], issue_changes)  # validates first: a 400 changes nothing
    if merged["status"] != doc["status"] and merged["status"] == DECLINED:
        # Plane moves a declined work item to the project's cancelled state.
        cancelled = _state_of_group(ctx, doc["project"], "cancelled")
        if cancelled:
            _update_item_state(ctx, doc["issue"], cancelled)
    ctx.store.replace("intake_issue", merged)
    return crud.retrieve_response(ctx, RESOURCE, merged)


def _update_item_state(ctx: Ctx, item_id: str, state: str) -> None:
    item = ctx.store.get("work_item", item_id)
    if item is None:
        return
    merged = {**item, "state": state}
    ctx.stamp(merged, created=False)
    work_items.RESOURCE.prepare(ctx, merged)
    ctx.store.replace("work_item", merged)
    activities.record(ctx, activities.changes(ctx, item, merged))


def delete_intake(ctx: Ctx) -> Response:
    """Removes the intake entry; a still-pending submission takes its work item with it."""
    doc = _one(ctx)
    with ctx.store.transaction():
        ctx.store.delete("intake_issue", doc["id"])
        if doc["status"] == PENDING:
            ctx.store.delete("work_item", doc["issue"])
    return deleted(_serialize(ctx, doc), ctx.config)


ROUTES: RouteTable = [
    (PROJECT + "/intake-issues/", {"GET": list_intake, "POST": add_intake}),
    (
        PROJECT + "/intake-issues/{work_item_id}/",
        {"GET": get_intake, "PATCH": update_intake, "DELETE": delete_intake},
    ),
]

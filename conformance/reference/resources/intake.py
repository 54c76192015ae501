"""Intake issues: a work item submitted to a project's intake, then accepted, declined, snoozed or
marked duplicate. Created with its work item; addressed by that work item's id (as documented).

As in Plane, the submitted work item gets the project's triage state (made on first use, kept out
of the state list), and every answer carries it whole in `issue_detail`. `issue` is the docs'
short object by default; under `intake-issue-is-an-id` it is the bare id Plane answers."""

from __future__ import annotations

import re
import uuid
from typing import Any

from starlette.responses import Response

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, ONLY_1_0_0, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.resources import activities, crud, features, listing, work_items
from conformance.reference.resources.base import Resource, View, lite, project_scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import (
    ApiError,
    bad_request,
    created,
    deleted,
    field_errors,
    not_found,
)
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, validate_body

ISSUE_IS_AN_ID = declare_behaviour(
    "intake-issue-is-an-id",
    DEPARTURE,
    "an intake issue's `issue` is the work item's id (its details are in `issue_detail`); the "
    "docs give `issue` as an object {id, name, description, priority, sequence_id}",
    releases=ALL_RELEASES,
)
TRIAGE = ("Triage", "#4E5355", 65000.0)
_TAGS = re.compile(r"<[^>]+>")

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
    "id", "created_at", "updated_at", "deleted_at", "status", "snoozed_till", "source",
    "source_email", "external_source", "external_id", "extra", "created_by", "updated_by",
    "project", "workspace", "intake", "issue", "duplicate_to",
)  # fmt: skip
# The work item as Plane nests it in `issue_detail` (no type_id; description objects as {}).
DETAIL_FIELDS = (
    "id", "labels", "assignees", "state", "description", "created_at", "updated_at",
    "deleted_at", "point", "name", "description_json", "description_html",
    "description_stripped", "description_binary", "priority", "start_date", "target_date",
    "sequence_id", "sort_order", "completed_at", "archived_at", "is_draft", "external_source",
    "external_id", "created_by", "updated_by", "project", "workspace", "parent",
    "estimate_point", "type",
)  # fmt: skip


DETAIL_WITHOUT_DESCRIPTION_JSON = declare_behaviour(
    "intake-detail-without-description-json",
    DEPARTURE,
    "an intake issue's issue_detail has no description_json (v1.0.0's work item model has no "
    "such field; the docs show issue_detail in an example only)",
    releases=ONLY_1_0_0,
)


def _issue_detail(ctx: Ctx, item: Doc) -> Doc:
    state = ctx.store.get("state", item.get("state") or "")
    text = _TAGS.sub("", item.get("description_html") or "").strip()
    source = {
        **item, "description": {}, "description_json": {}, "description_stripped": text,
        "state": lite("state", state) if state else None,
    }  # fmt: skip
    fields: tuple[str, ...] = DETAIL_FIELDS
    if ctx.config.follows(DETAIL_WITHOUT_DESCRIPTION_JSON):
        fields = tuple(name for name in fields if name != "description_json")
    return {name: source.get(name) for name in fields}


def _serialize(ctx: Ctx, doc: Doc, view: View = "read") -> Doc:
    item = ctx.store.get("work_item", doc["issue"]) or {"id": doc["issue"]}
    if ctx.config.follows(ISSUE_IS_AN_ID):
        issue: Any = doc["issue"]
    else:  # the docs' short object
        issue = {
            "id": doc["issue"],
            "name": item.get("name", ""),
            "description": item.get("description_html") or "",
            "priority": item.get("priority") or "none",
            "sequence_id": item.get("sequence_id"),
        }
    detail = _issue_detail(ctx, item)
    return {
        "id": doc["id"],
        "issue_detail": detail,
        "inbox": doc.get("intake"),
        **doc,
        "issue": issue,
    }


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
    default_order=("created_at", True),
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


def _triage_state(ctx: Ctx, project: str) -> str:
    """The project's triage state, made on first use (Plane's, hidden from the state list)."""
    found = ctx.store.find("state", project=project, field="is_triage", value=True)
    if found is not None:
        return str(found["id"])
    from conformance.reference.resources.states import RESOURCE as STATE

    name, color, sequence = TRIAGE
    state: Doc = {key: None for key in STATE.output}
    state.update(STATE.defaults)
    state.update(name=name, color=color, group="triage", is_triage=True, slug="triage")
    state.update(sequence=sequence, project=project, workspace=ctx.workspace["id"])
    ctx.stamp(state, created=True)
    ctx.store.insert("state", state, project=project)
    return str(state["id"])


def _intake_id(project: str) -> str:
    """The id of the project's intake (Plane's `intake` / `inbox` of every intake issue)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"plane-conformance:intake:{project}"))


def add_intake(ctx: Ctx) -> Response:
    scope = project_scope(ctx)
    assert scope.project is not None
    body = ctx.body if isinstance(ctx.body, dict) else None
    if body is None:
        raise field_errors({"non_field_errors": ["Expected a JSON object."]})
    issue = body.get("issue")
    if not isinstance(issue, dict) or not issue.get("name"):
        raise bad_request("Name is required")
    features.require(ctx, scope.project, "intake_view")
    if issue.get("priority", "none") not in work_items.PRIORITIES:
        raise bad_request("Invalid priority")
    issue = {**issue, "state": issue.get("state") or _triage_state(ctx, scope.project)}
    try:
        item = crud.create_doc(ctx, work_items.RESOURCE, scope, issue)
    except ApiError as error:
        raise _as_issue_errors(error) from None
    activities.record_created(ctx, item)
    doc: Doc = {name: None for name in OUTPUT}
    doc.update(
        status=PENDING, source="IN_APP", issue=item["id"], project=scope.project,
        workspace=ctx.workspace["id"], extra={}, intake=_intake_id(scope.project),
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
    features.require(ctx, doc["project"], "intake_view")
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
    features.require(ctx, doc["project"], "intake_view")
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

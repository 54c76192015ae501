"""Work item activities: recorded automatically when a work item is created or updated, read
through a paginated list and a detail that (as documented) also answers the paginated envelope."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.responses import Response

from conformance.reference.context import Ctx, new_id, now_iso
from conformance.reference.resources import base, listing
from conformance.reference.resources.base import Resource, Scope
from conformance.reference.resources.routing import PROJECT, Handler, RouteTable
from conformance.reference.rules import fields_expand, pagination
from conformance.reference.rules.errors import json_response
from conformance.reference.store import Doc
from conformance.reference.validation import is_uuid

OUTPUT = (
    "id", "created_at", "updated_at", "verb", "field", "old_value", "new_value", "comment",
    "attachments", "old_identifier", "new_identifier", "epoch", "project", "workspace", "issue",
    "issue_comment", "actor",
)  # fmt: skip

RESOURCE = Resource(
    kind="activity",
    label="Activity",
    specs={},
    output=OUTPUT,
    expandable={
        "actor": "user",
        "issue": "work_item",
        "project": "project",
        "workspace": "workspace",
    },
)

# Fields whose changes Plane records, under the name Plane gives them.
_TRACKED = {
    "name": "name",
    "description_html": "description",
    "priority": "priority",
    "state": "state",
    "parent": "parent",
    "start_date": "start_date",
    "target_date": "target_date",
    "point": "estimate_point",
    "assignees": "assignees",
    "labels": "labels",
}


def _activity(ctx: Ctx, item: Doc, verb: str, comment: str, **change: Any) -> Doc:
    moment = now_iso()
    doc: Doc = {name: None for name in OUTPUT}
    doc.update(
        id=new_id(), created_at=moment, updated_at=moment, verb=verb, comment=comment,
        attachments=[], epoch=round(time.time(), 3), project=item["project"],
        workspace=ctx.workspace["id"], issue=item["id"], actor=ctx.user_id,
    )  # fmt: skip
    doc.update(change)
    return doc


def _label(ctx: Ctx, field: str, ref: Any) -> str | None:
    """The human value Plane shows for a referenced object (state name, label name, ...)."""
    if ref is None:
        return None
    kind = {"state": "state", "labels": "label", "assignees": "user", "parent": "work_item"}[field]
    obj = ctx.store.get(kind, ref) or {}
    if kind == "user":
        return obj.get("display_name")
    if kind == "work_item":
        project = ctx.store.get("project", obj.get("project") or "") or {}
        return f"{project.get('identifier', '')}-{obj.get('sequence_id')}"
    return obj.get("name")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def changes(ctx: Ctx, before: Doc, after: Doc) -> list[Doc]:
    """One activity per changed scalar field, one per added or removed assignee / label."""
    found = []
    for name, field in _TRACKED.items():
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in ("assignees", "labels"):
            for ref in [r for r in new or [] if r not in (old or [])]:
                found.append(
                    _activity(ctx, after, "updated", f"added {field}", field=field,
                              new_value=_label(ctx, name, ref), new_identifier=ref)
                )  # fmt: skip
            for ref in [r for r in old or [] if r not in (new or [])]:
                found.append(
                    _activity(ctx, after, "updated", f"removed {field}", field=field,
                              old_value=_label(ctx, name, ref), old_identifier=ref)
                )  # fmt: skip
        elif name in ("state", "parent"):
            found.append(
                _activity(ctx, after, "updated", f"updated the {field}", field=field,
                          old_value=_label(ctx, name, old), new_value=_label(ctx, name, new),
                          old_identifier=old, new_identifier=new)
            )  # fmt: skip
        else:
            found.append(
                _activity(ctx, after, "updated", f"updated the {field}", field=field,
                          old_value=_text(old), new_value=_text(new))
            )  # fmt: skip
    return found


def record(ctx: Ctx, activities: list[Doc]) -> None:
    # No transaction of its own: callers may already hold one (SQLite does not nest them).
    for activity in activities:
        ctx.store.insert(
            "activity", activity, project=activity["project"], parent=activity["issue"]
        )


def record_created(ctx: Ctx, item: Doc) -> None:
    record(ctx, [_activity(ctx, item, "created", "created the work item")])


# --- recording around the work item routes -----------------------------------------------------
def _after_create(handler: Handler) -> Handler:
    def create(ctx: Ctx) -> Response:
        response = handler(ctx)
        if response.status_code in (200, 201):
            created = json.loads(bytes(response.body))
            item = ctx.store.get("work_item", str(created.get("id")))
            if item is not None:
                record_created(ctx, item)
        return response

    return create


def _around_update(handler: Handler) -> Handler:
    def update(ctx: Ctx) -> Response:
        item_id = ctx.path.get("work_item_id", "")
        before = ctx.store.get("work_item", item_id) if is_uuid(item_id) else None
        response = handler(ctx)
        if response.status_code == 200 and before is not None:
            after = ctx.store.get("work_item", item_id)
            if after is not None:
                record(ctx, changes(ctx, before, after))
        return response

    return update


def recording(table: RouteTable) -> RouteTable:
    """The route table with work item create / update wrapped so that they record activities.

    Wrapping the routes (rather than the work item module) keeps the recording independent of
    how work items are stored; the issues/ alias is built afterwards and shares the wrappers.
    """
    wrapped: RouteTable = []
    for path, methods in table:
        if path == PROJECT + "/work-items/" and "POST" in methods:
            methods = {**methods, "POST": _after_create(methods["POST"])}
        elif path == PROJECT + "/work-items/{work_item_id}/" and "PATCH" in methods:
            methods = {**methods, "PATCH": _around_update(methods["PATCH"])}
        wrapped.append((path, methods))
    return wrapped


# --- reading -----------------------------------------------------------------------------------
def _scope(ctx: Ctx) -> Scope:
    item = ctx.work_item(ctx.project(), "work_item_id")
    return Scope(project=item["project"], parent=item["id"])


def list_activities(ctx: Ctx) -> Response:
    return listing.list_response(ctx, RESOURCE, _scope(ctx))


def activity_detail(ctx: Ctx) -> Response:
    """The documented answer is the paginated envelope holding the one activity."""
    scope = _scope(ctx)
    doc = ctx.load("activity", "Activity", ctx.path["activity_id"], project=scope.project)
    if doc.get("issue") != scope.parent:
        ctx.load("activity", "Activity", "not-a-uuid")  # raises the 404
    shape = base.shaping(ctx, RESOURCE)
    page = pagination.parse(ctx.params, ctx.config)
    listing.ordering(ctx, RESOURCE)  # validated like the list's, nothing to order
    expand = base.expanders(ctx, RESOURCE)

    def fetch(offset: int, limit: int) -> list[Doc]:
        return [fields_expand.shape(doc, shape, expand)][offset : offset + limit]

    return json_response(pagination.paginate(page, 1, fetch, ctx.config), ctx.config)


_ITEM = PROJECT + "/work-items/{work_item_id}"
ROUTES: RouteTable = [
    (_ITEM + "/activities/", {"GET": list_activities}),
    (_ITEM + "/activities/{activity_id}/", {"GET": activity_detail}),
]

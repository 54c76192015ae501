"""Work item activities: recorded automatically when a work item is created or updated, read
through a paginated list and a detail that (as documented) also answers the paginated envelope."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.responses import Response

from conformance.reference.behaviours import DEPARTURE, ONLY_1_0_0, SINCE_1_2_3, declare_behaviour
from conformance.reference.context import Ctx, new_id, now_iso
from conformance.reference.resources import base, listing
from conformance.reference.resources.base import Resource, Scope
from conformance.reference.resources.routing import PROJECT, Handler, RouteTable
from conformance.reference.rules import fields_expand, pagination
from conformance.reference.rules.errors import ApiError, json_response, not_found
from conformance.reference.store import Doc
from conformance.reference.validation import is_uuid

OUTPUT = (
    "id", "created_at", "updated_at", "deleted_at", "verb", "field", "old_value", "new_value",
    "comment", "attachments", "old_identifier", "new_identifier", "epoch", "project",
    "workspace", "issue", "issue_comment", "actor",
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
    record(ctx, [_activity(ctx, item, "created", "created the issue")])


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


# What Plane records for a comment or a link: (verb, comment) per method, by child kind.
_CHILD_VERBS = {
    "comment": {
        "POST": ("created", "created a comment"),
        "PATCH": ("updated", "updated a comment"),
        "DELETE": ("deleted", "deleted the comment"),
    },
    "link": {
        "POST": ("created", "created a link"),
        "PATCH": ("updated", "updated a link"),
        "DELETE": ("deleted", "deleted the link"),
    },
}
_CHILD_VALUE = {"comment": "comment_html", "link": "url"}


def _child_activity(ctx: Ctx, kind: str, method: str, before: Doc | None, after: Doc | None) -> Doc:
    """The activity of a comment or link write, with Plane's values and identifiers: a create
    names no id (the request had none), an update names the object on both sides."""
    verb, comment = _CHILD_VERBS[kind][method]
    value = _CHILD_VALUE[kind]
    item = ctx.store.get("work_item", ctx.path["work_item_id"]) or {}
    change: dict[str, Any] = {"field": kind}
    if method == "POST":
        change.update(new_value=(after or {}).get(value, ""))
    elif method == "PATCH":
        change.update(
            old_value=(before or {}).get(value, ""), old_identifier=(before or {}).get("id"),
            new_value=(after or {}).get(value, ""), new_identifier=(before or {}).get("id"),
        )  # fmt: skip
    elif kind == "link":
        change.update(old_value=(before or {}).get(value, ""), new_value="")
    return _activity(ctx, item, verb, comment, **change)


def _around_child(kind: str, id_name: str, method: str, handler: Handler) -> Handler:
    def write(ctx: Ctx) -> Response:
        child_id = ctx.path.get(id_name, "")
        before = ctx.store.get(kind, child_id) if is_uuid(child_id) else None
        response = handler(ctx)
        if 200 <= response.status_code < 300:
            after = None
            if method == "POST":
                after = json.loads(bytes(response.body))
            elif method == "PATCH":
                after = ctx.store.get(kind, child_id)
            record(ctx, [_child_activity(ctx, kind, method, before, after)])
        return response

    return write


_CHILDREN = {  # path below a work item -> (kind, id parameter)
    "/comments/": ("comment", "comment_id"),
    "/comments/{comment_id}/": ("comment", "comment_id"),
    "/links/": ("link", "link_id"),
    "/links/{link_id}/": ("link", "link_id"),
}


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
        tail = path.removeprefix(PROJECT + "/work-items/{work_item_id}")
        if tail in _CHILDREN:
            kind, id_name = _CHILDREN[tail]
            methods = {
                method: _around_child(kind, id_name, method, handler)
                if method in ("POST", "PATCH", "DELETE")
                else handler
                for method, handler in methods.items()
            }
        wrapped.append((path, methods))
    return wrapped


# --- reading -----------------------------------------------------------------------------------
def _scope(ctx: Ctx) -> Scope:
    item = ctx.work_item(ctx.project(), "work_item_id")
    return Scope(project=item["project"], parent=item["id"])


def list_activities(ctx: Ctx) -> Response:
    return listing.list_response(ctx, RESOURCE, _scope(ctx))


DETAIL_IS_AN_OBJECT = declare_behaviour(
    "activity-detail-object",
    DEPARTURE,
    "an activity's detail answers the activity itself (and a 404 of {message, code}); the docs "
    "answer it as a page (the paginated envelope) holding the one activity",
    releases=SINCE_1_2_3,
)


DETAIL_LISTS_ALL = declare_behaviour(
    "activity-detail-lists-all",
    DEPARTURE,
    "an activity's detail answers the work item's whole activity list (the page, as the list "
    "does: the id in the URL is not looked at, an unknown one answers the same); the docs "
    "answer the page holding the one activity, and 404 for an unknown id",
    releases=ONLY_1_0_0,
)


def activity_detail(ctx: Ctx) -> Response:
    """The documented answer is the paginated envelope holding the one activity."""
    if ctx.config.follows(DETAIL_LISTS_ALL):
        return list_activities(ctx)
    scope = _scope(ctx)
    activity_id = ctx.path["activity_id"]
    doc = ctx.store.get("activity", activity_id) if is_uuid(activity_id) else None
    if doc is None or doc.get("issue") != scope.parent:
        if ctx.config.follows(DETAIL_IS_AN_OBJECT):
            raise ApiError(404, {"message": "Activity not found.", "code": "NOT_FOUND"})
        raise not_found("Activity", ctx.config)
    if ctx.config.follows(DETAIL_IS_AN_OBJECT):
        expand = base.expanders(ctx, RESOURCE)
        return json_response(
            fields_expand.shape(doc, base.shaping(ctx, RESOURCE), expand), ctx.config
        )
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

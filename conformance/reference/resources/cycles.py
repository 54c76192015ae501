"""Cycles: CRUD, archive (only once ended), membership, transfer of unfinished work items."""

from __future__ import annotations

import datetime as dt

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.faults import declare_fault
from conformance.reference.resources import containers, crud, listing
from conformance.reference.resources.base import Resource, load_in_project, project_scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import bad_request, field_errors, json_response
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, is_uuid, parse_date

SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "description": FieldSpec("str"),
    "start_date": FieldSpec("date"),
    "end_date": FieldSpec("date"),
    "owned_by": FieldSpec("uuid", nullable=False, ref="member"),
    # plane-sdk sends project_id in the body; the path decides the project.
    "project_id": FieldSpec("uuid"),
    "external_source": FieldSpec("str"),
    "external_id": FieldSpec("str"),
    "timezone": FieldSpec("timezone", nullable=False),
    "logo_props": FieldSpec("json"),
    "view_props": FieldSpec("json"),
    "sort_order": FieldSpec("number", nullable=False),
}
OUTPUT = (
    "id", "created_at", "updated_at", "name", "description", "start_date", "end_date",
    "view_props", "sort_order", "external_source", "external_id", "logo_props", "timezone",
    "archived_at", "status", "total_issues", "completed_issues", "cancelled_issues",
    "started_issues", "unstarted_issues", "backlog_issues", "created_by", "updated_by",
    "project", "workspace", "owned_by",
)  # fmt: skip
GROUPS = ("completed", "cancelled", "started", "unstarted", "backlog")


def _prepare(ctx: Ctx, doc: Doc) -> None:
    if doc.get("project_id") not in (None, doc["project"]):
        raise field_errors({"project_id": ["Must be the project of the URL."]})
    doc.pop("project_id", None)
    doc["owned_by"] = doc.get("owned_by") or ctx.user_id
    for name in ("start_date", "end_date"):
        # The cycle object carries date-times (docs example); a bare date means its midnight UTC.
        value = doc.get(name)
        if isinstance(value, str) and len(value) == 10:
            doc[name] = f"{value}T00:00:00Z"
    if doc.get("sort_order") is None:
        doc["sort_order"] = 65535.0


def _status(doc: Doc) -> str:
    start, end = parse_date(doc.get("start_date") or ""), parse_date(doc.get("end_date") or "")
    if not start or not end:
        return "draft"
    today = dt.datetime.now(dt.UTC).date()
    return "upcoming" if today < start else "completed" if today > end else "current"


def _serialize(ctx: Ctx, doc: Doc) -> Doc:
    counts = dict.fromkeys(GROUPS, 0)
    members = ctx.store.members("cycle", doc["id"])
    for issue in members:
        item = ctx.store.get("work_item", issue) or {}
        group = (ctx.store.get("state", item.get("state") or "") or {}).get("group")
        if group in counts:
            counts[group] += 1
    out = {**doc, "status": _status(doc), "total_issues": len(members)}
    out.update({f"{group}_issues": n for group, n in counts.items()})
    return out


RESOURCE = Resource(
    kind="cycle",
    label="Cycle",
    specs=SPECS,
    output=OUTPUT,
    expandable={
        "project": "project",
        "workspace": "workspace",
        "owned_by": "user",
        "created_by": "user",
        "updated_by": "user",
    },
    defaults={"description": "", "timezone": "UTC", "view_props": {}, "logo_props": {}},
    date_range=("start_date", "end_date"),
    prepare=_prepare,
    serialize=_serialize,
)


def _one(ctx: Ctx) -> Doc:
    return load_in_project(ctx, RESOURCE, "cycle_id")


def archive(ctx: Ctx) -> Response:
    cycle = _one(ctx)
    end = parse_date(cycle.get("end_date") or "")
    if end is None or end >= dt.datetime.now(dt.UTC).date():
        raise bad_request("Only cycles that have ended can be archived.")
    return containers.set_archived(ctx, "cycle", cycle, True)


def transfer(ctx: Ctx) -> Response:
    """Move the cycle's unfinished work items to another cycle of the project."""
    cycle = _one(ctx)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    target_id = body.get("new_cycle_id")
    target = ctx.store.get("cycle", target_id) if is_uuid(target_id) else None
    if target is None or target["project"] != cycle["project"] or target["id"] == cycle["id"]:
        raise field_errors({"new_cycle_id": ["A different cycle of this project is required."]})
    with ctx.store.transaction():
        for issue in ctx.store.members("cycle", cycle["id"]):
            item = ctx.store.get("work_item", issue) or {}
            group = (ctx.store.get("state", item.get("state") or "") or {}).get("group")
            if group not in ("completed", "cancelled"):
                ctx.store.remove_membership("cycle", cycle["id"], issue)
                ctx.store.add_membership("cycle", target["id"], issue, {"issue": issue})
    return json_response({"message": "Success"}, ctx.config)


NEEDS_PROJECT_ID = declare_fault(
    "create-needs-undocumented-field",
    ("SCHEMA-005",),
    "a cycle create is refused unless its body repeats the URL's project_id, which the docs "
    "do not list (as Plane v1.3.1 does)",
)


def create(ctx: Ctx) -> Response:
    body = ctx.body
    if (
        ctx.config.has(NEEDS_PROJECT_ID.name)
        and isinstance(body, dict)
        and not body.get("project_id")
    ):
        raise field_errors({"non_field_errors": ["Project ID is required"]})
    return crud.create_response(ctx, RESOURCE, project_scope(ctx))


ROUTES: RouteTable = [
    (
        PROJECT + "/cycles/",
        {
            "GET": lambda ctx: listing.list_response(
                ctx, RESOURCE, project_scope(ctx), archived=False
            ),
            "POST": create,
        },
    ),
    (
        PROJECT + "/cycles/{cycle_id}/",
        crud.object_routes(RESOURCE, _one, project_scope),
    ),
    (PROJECT + "/cycles/{cycle_id}/archive/", {"POST": archive}),
    *containers.routes(RESOURCE, _one, exclusive=True),
    (PROJECT + "/cycles/{cycle_id}/transfer-issues/", {"POST": transfer}),
]

"""Cycles: CRUD, archive (only once ended), membership, transfer of unfinished work items.

As in Plane, a read annotates the work item counts per state group (a create or an update does
not), a transfer stores the finished cycle's `progress_snapshot`, and the archived list adds the
estimate totals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.responses import Response

from conformance.reference.behaviours import (
    ALL_RELEASES,
    DEPARTURE,
    ONLY_1_0_0,
    SINCE_1_2_3,
    declare_behaviour,
)
from conformance.reference.context import Ctx
from conformance.reference.faults import declare_fault
from conformance.reference.resources import containers, crud, features, listing
from conformance.reference.resources.base import Resource, View, load_in_project, project_scope
from conformance.reference.resources.routing import PROJECT, Handler, RouteTable
from conformance.reference.rules.errors import (
    ApiError,
    bad_request,
    field_errors,
    json_response,
    server_error,
)
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, is_uuid, parse_date, validate_body

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
    "id", "created_at", "updated_at", "deleted_at", "name", "description", "start_date",
    "end_date", "view_props", "sort_order", "external_source", "external_id",
    "progress_snapshot", "archived_at", "logo_props", "timezone", "version", "created_by",
    "updated_by", "project", "workspace", "owned_by",
)  # fmt: skip
GROUPS = ("cancelled", "completed", "started", "unstarted", "backlog")
ESTIMATES = ("total_estimates", "completed_estimates", "started_estimates")

NEEDS_PROJECT_ID = declare_behaviour(
    "cycle-create-needs-project-id",
    DEPARTURE,
    "a cycle create without `project_id` in the body answers 400 "
    '{"non_field_errors": ["Project ID is required"]}; the create-cycle page does not list it',
    releases=SINCE_1_2_3,
)

NEEDS_OWNER = declare_behaviour(
    "cycle-create-needs-owned-by",
    DEPARTURE,
    'a cycle create without `owned_by` answers 400 {"owned_by": ["This field is required."]} '
    "(the page lists owned_by, not as required); `project_id` in the body is asked for only "
    'when both dates are given ({"non_field_errors": ["Project ID is required"]})',
    releases=ONLY_1_0_0,
)
TRANSFER_TO_NO_CYCLE_500 = declare_behaviour(
    "transfer-to-unknown-cycle-500",
    DEPARTURE,
    "a transfer whose new_cycle_id names no cycle of the project answers 500 (Plane reads the "
    "missing cycle's end date); the docs want a 4xx",
    releases=ALL_RELEASES,
)
ARCHIVED_CYCLES_500 = declare_behaviour(
    "archived-cycles-500",
    DEPARTURE,
    "the archived-cycle list and unarchiving a cycle answer 500 (v1.0.0's list sums a uuid "
    "column in SQL; its unarchive view takes the wrong URL parameter name)",
    releases=ONLY_1_0_0,
)

UNDOCUMENTED_FIELD_REQUIRED = declare_fault(
    "create-needs-undocumented-field",
    ("SCHEMA-005",),
    "a cycle create is refused unless its body repeats the URL's project_id, which the docs "
    "do not list (as Plane v1.3.1 does)",
)


def _prepare(ctx: Ctx, doc: Doc) -> None:
    creating = doc.get("version") is None
    plane_way = ctx.config.follows(NEEDS_PROJECT_ID) or ctx.config.has(
        UNDOCUMENTED_FIELD_REQUIRED.name
    )
    if creating and ctx.config.follows(NEEDS_OWNER):
        dated = doc.get("start_date") is not None and doc.get("end_date") is not None
        plane_way = plane_way or dated
    if creating and plane_way and not doc.get("project_id"):
        raise field_errors({"non_field_errors": ["Project ID is required"]})
    if doc.get("project_id") not in (None, doc["project"]):
        raise field_errors({"project_id": ["Must be the project of the URL."]})
    doc.pop("project_id", None)
    features.require(ctx, doc["project"], "cycle_view")
    doc["version"] = doc.get("version") or 1
    if doc.get("progress_snapshot") is None:
        doc["progress_snapshot"] = {}
    doc["owned_by"] = doc.get("owned_by") or ctx.user_id
    for name in ("start_date", "end_date"):
        # The cycle object carries date-times (docs example); a bare date means its midnight UTC.
        value = doc.get(name)
        if isinstance(value, str) and len(value) == 10:
            doc[name] = f"{value}T00:00:00Z"
    if doc.get("sort_order") is None:
        doc["sort_order"] = 65535.0


def group_counts(ctx: Ctx, kind: str, container: str) -> dict[str, int]:
    """total_issues and <group>_issues of a cycle's or module's work items."""
    counts = dict.fromkeys(GROUPS, 0)
    members = ctx.store.members(kind, container)
    for issue in members:
        item = ctx.store.get("work_item", issue) or {}
        group = (ctx.store.get("state", item.get("state") or "") or {}).get("group")
        if group in counts:
            counts[group] += 1
    return {"total_issues": len(members), **{f"{g}_issues": n for g, n in counts.items()}}


def _serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    if view not in ("read", "list"):
        return doc
    out = {**group_counts(ctx, "cycle", doc["id"]), **doc}
    if view == "list" and doc.get("archived_at"):
        out.update(dict.fromkeys(ESTIMATES))  # no estimates on this server: Plane's nulls
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
    default_order=("created_at", True),
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
    """Move the finished cycle's unfinished work items to another cycle of the project, keeping
    a snapshot of its progress (Plane's `progress_snapshot`)."""
    cycle = _one(ctx)
    body = ctx.body if isinstance(ctx.body, dict) else {}
    target_id = body.get("new_cycle_id")
    if not target_id:
        raise bad_request("New Cycle Id is required")
    end = parse_date(cycle.get("end_date") or "")
    if end is not None and end >= dt.datetime.now(dt.UTC).date():
        raise bad_request("The old cycle is not completed yet")
    target = ctx.store.get("cycle", target_id) if is_uuid(target_id) else None
    if target is not None and target["project"] != cycle["project"]:
        target = None
    if target is None and ctx.config.follows(TRANSFER_TO_NO_CYCLE_500):
        raise server_error()
    if target is None or target["id"] == cycle["id"]:
        raise bad_request("new_cycle_id: a different cycle of this project is required")
    with ctx.store.transaction():
        ctx.store.replace("cycle", {**cycle, "progress_snapshot": _snapshot(ctx, cycle)})
        for issue in ctx.store.members("cycle", cycle["id"]):
            item = ctx.store.get("work_item", issue) or {}
            group = (ctx.store.get("state", item.get("state") or "") or {}).get("group")
            if group not in ("completed", "cancelled"):
                ctx.store.remove_membership("cycle", cycle["id"], issue)
                ctx.store.add_membership("cycle", target["id"], issue, {"issue": issue})
    return json_response({"message": "Success"}, ctx.config)


def _snapshot(ctx: Ctx, cycle: Doc) -> dict[str, Any]:
    """The cycle's counts, its distribution per assignee and label, and a burn-down chart."""
    items = [ctx.store.get("work_item", i) or {} for i in ctx.store.members("cycle", cycle["id"])]

    def tally(rows: dict[Any, dict[str, Any]], key: Any, base: dict[str, Any], done: bool) -> None:
        row = rows.setdefault(key, {**base, "total_issues": 0, "completed_issues": 0})
        row["total_issues"] += 1
        row["completed_issues"] += int(done)
        row["pending_issues"] = row["total_issues"] - row["completed_issues"]

    assignees: dict[Any, dict[str, Any]] = {}
    labels: dict[Any, dict[str, Any]] = {}
    for item in items:
        done = bool(item.get("completed_at"))
        for user_id in item.get("assignees") or [None]:
            user = ctx.store.get("user", user_id) if user_id else None
            base = {
                "display_name": (user or {}).get("display_name"),
                "assignee_id": user_id,
                # Plane falls back to the user's `avatar` when there is no uploaded one
                "avatar_url": (user or {}).get("avatar_url") or (user or {}).get("avatar"),
            }
            tally(assignees, user_id, base, done)
        for label_id in item.get("labels") or [None]:
            label = ctx.store.get("label", label_id) if label_id else None
            base = {
                "label_name": (label or {}).get("name"),
                "color": (label or {}).get("color"),
                "label_id": label_id,
            }
            tally(labels, label_id, base, done)
    start = parse_date(cycle.get("start_date") or "")
    end = parse_date(cycle.get("end_date") or "")
    days = (end - start).days + 1 if start and end and end >= start else 0
    pending = sum(1 for item in items if not item.get("completed_at"))
    chart = {str(start + dt.timedelta(days=n)): pending for n in range(days)} if start else {}
    return {
        **group_counts(ctx, "cycle", cycle["id"]),
        "distribution": {
            "labels": list(labels.values()),
            "assignees": list(assignees.values()),
            "completion_chart": chart,
        },
        "estimate_distribution": {},
    }


def create_cycle(ctx: Ctx) -> Response:
    """Under NEEDS_OWNER a missing owned_by is named with the body's other field errors, as a
    serializer that requires it does."""
    body = ctx.body if isinstance(ctx.body, dict) else None
    if ctx.config.follows(NEEDS_OWNER) and body is not None and not body.get("owned_by"):
        errors: dict[str, list[str]] = {}
        try:
            validate_body(body, SPECS, ctx.config, partial=False)
        except ApiError as refusal:
            errors = dict(refusal.body) if refusal.status == 400 else {}
        raise field_errors({**errors, "owned_by": ["This field is required."]})
    return crud.create_response(ctx, RESOURCE, project_scope(ctx))


def _archived_may_fail(table: RouteTable) -> RouteTable:
    """The archived-cycle routes, answering 500 under ARCHIVED_CYCLES_500."""

    def failing(handler: Handler) -> Handler:
        def run(ctx: Ctx) -> Response:
            if ctx.config.follows(ARCHIVED_CYCLES_500):
                raise server_error()
            return handler(ctx)

        return run

    return [
        (path, {m: failing(h) for m, h in methods.items()} if "/archived-" in path else methods)
        for path, methods in table
    ]


ROUTES: RouteTable = [
    (
        PROJECT + "/cycles/",
        {
            "GET": lambda ctx: listing.list_response(
                ctx, RESOURCE, project_scope(ctx), archived=False
            ),
            "POST": create_cycle,
        },
    ),
    (
        PROJECT + "/cycles/{cycle_id}/",
        crud.object_routes(RESOURCE, _one, project_scope),
    ),
    (PROJECT + "/cycles/{cycle_id}/archive/", {"POST": archive}),
    *_archived_may_fail(containers.routes(RESOURCE, _one, exclusive=True)),
    (PROJECT + "/cycles/{cycle_id}/transfer-issues/", {"POST": transfer}),
]

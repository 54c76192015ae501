"""What cycles and modules share: archive/unarchive and work-item membership."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.responses import Response

from conformance.reference.behaviours import DEPARTURE, ONLY_1_0_0, declare_behaviour
from conformance.reference.context import Ctx, new_id, now_iso
from conformance.reference.faults import declare_fault
from conformance.reference.resources import listing, work_items
from conformance.reference.resources.base import Resource, Scope, project_scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import ApiError, field_errors, json_response, not_found
from conformance.reference.store import Doc
from conformance.reference.validation import is_uuid, parse_date

ARCHIVE_NOOP = declare_fault(
    "archive-noop", ("RES-005",), "archiving a cycle or module answers 204 but changes nothing"
)
MEMBERSHIP_NOT_LISTED = declare_fault(
    "membership-not-listed",
    ("RES-006",),
    "work items added to a cycle or module are not listed by it",
)

Loader = Callable[[Ctx], Doc]


def set_archived(ctx: Ctx, kind: str, doc: Doc, archived: bool) -> Response:
    if not ctx.config.has(ARCHIVE_NOOP.name):
        ctx.store.replace(kind, {**doc, "archived_at": now_iso() if archived else None})
    return Response(status_code=204)


# Plane's answer to a missing `issues`, per container kind.
_NO_ISSUES = {
    "cycle": {"error": "Work items are required", "code": "MISSING_WORK_ITEMS"},
    "module": {"error": "Issues are required"},
}


NO_ISSUES_WITHOUT_CODE = declare_behaviour(
    "cycle-issues-refusal-without-code",
    DEPARTURE,
    'a cycle work-item POST without `issues` answers 400 {"error": "Work items are required"} '
    "with no `code` (later releases add MISSING_WORK_ITEMS)",
    releases=ONLY_1_0_0,
)


def issue_ids(ctx: Ctx, kind: str, project: str) -> list[str]:
    """The body's `issues`: a list of ids of work items in this project."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    ids = body.get("issues")
    if not ids:
        refusal = dict(_NO_ISSUES[kind])
        if ctx.config.follows(NO_ISSUES_WITHOUT_CODE):
            refusal.pop("code", None)
        raise ApiError(400, refusal)
    if not isinstance(ids, list):
        raise field_errors({"issues": ["A non-empty list of work item ids is required."]})
    missing = [
        i for i in ids
        if not is_uuid(i) or (ctx.store.get("work_item", i) or {}).get("project") != project
    ]  # fmt: skip
    if missing:
        raise field_errors({"issues": [f"Unknown work item ids: {', '.join(map(str, missing))}"]})
    return list(dict.fromkeys(ids))


def add_members(ctx: Ctx, kind: str, container: Doc, *, exclusive: bool) -> Response:
    """POST {issues: [...]}: 200 with the membership objects (a work item sits in one cycle)."""
    ids = issue_ids(ctx, kind, container["project"])
    end = parse_date(container.get("end_date") or "") if kind == "cycle" else None
    if end is not None and end < dt.datetime.now(dt.UTC).date():
        message = "The Cycle has already been completed so no new issues can be added"
        raise ApiError(400, {"code": "CYCLE_COMPLETED", "message": message})
    # Plane's cycle rows carry no author (bulk-created); its module rows do.
    author = ctx.user_id if kind == "module" else None
    added = []
    with ctx.store.transaction():
        for issue in ids:
            if exclusive:
                for other in ctx.store.containers_of(kind, issue):
                    if other != container["id"]:
                        ctx.store.remove_membership(kind, other, issue)
            moment = now_iso()
            membership = {
                "id": new_id(), "sub_issues_count": 0, "created_at": moment,
                "updated_at": moment, "deleted_at": None, "created_by": author,
                "updated_by": author, "project": container["project"],
                "workspace": ctx.workspace["id"], "issue": issue, kind: container["id"],
            }  # fmt: skip
            added.append(ctx.store.add_membership(kind, container["id"], issue, membership))
    return json_response(added, ctx.config)


def list_members(ctx: Ctx, kind: str, container: Doc) -> Response:
    """The member work items, paginated (plane-sdk reads them as work items)."""
    member_of = (kind, container["id"])
    if ctx.config.has(MEMBERSHIP_NOT_LISTED.name):
        member_of = (kind, "")
    scope = Scope(project=container["project"])
    return listing.list_response(
        ctx, work_items.RESOURCE, scope, member_of=member_of, default_order=("created_at", False)
    )


def remove_member(ctx: Ctx, kind: str, container: Doc, label: str) -> Response:
    issue = ctx.path["work_item_id"]
    if not is_uuid(issue) or not ctx.store.remove_membership(kind, container["id"], issue):
        raise not_found(f"{label} work item", ctx.config)
    return Response(status_code=204)


def routes(resource: Resource, one: Loader, *, exclusive: bool) -> RouteTable:
    """The archive list, unarchive and work-item membership routes of cycles or of modules.

    `one` loads the container the path names; with `exclusive`, a work item added to one
    container leaves the others of its kind (cycles).
    """
    kind, label = resource.kind, resource.label
    path, archived = f"{PROJECT}/{kind}s/{{{kind}_id}}", f"{PROJECT}/archived-{kind}s"
    return [
        (
            f"{archived}/",
            {
                "GET": lambda ctx: listing.list_response(
                    ctx, resource, project_scope(ctx), archived=True
                )
            },
        ),
        (
            f"{archived}/{{{kind}_id}}/unarchive/",
            {"DELETE": lambda ctx: set_archived(ctx, kind, one(ctx), False)},
        ),
        (
            f"{path}/{kind}-issues/",
            {
                "GET": lambda ctx: list_members(ctx, kind, one(ctx)),
                "POST": lambda ctx: add_members(ctx, kind, one(ctx), exclusive=exclusive),
            },
        ),
        (
            f"{path}/{kind}-issues/{{work_item_id}}/",
            {"DELETE": lambda ctx: remove_member(ctx, kind, one(ctx), label)},
        ),
    ]

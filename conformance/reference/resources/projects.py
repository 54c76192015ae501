"""Projects: CRUD, archive/unarchive, and the default states seeded on create (as Plane does)."""

from __future__ import annotations

import re

from starlette.responses import Response

from conformance.reference.context import Ctx, now_iso
from conformance.reference.resources import crud, listing
from conformance.reference.resources.base import Resource, Scope
from conformance.reference.resources.routing import PROJECT, WORKSPACE, RouteTable
from conformance.reference.rules.errors import field_errors
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

NETWORK = (0, 2)  # 0 secret, 2 public

SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "identifier": FieldSpec("str", required=True, max_length=12),
    "description": FieldSpec("str"),
    "description_html": FieldSpec("str"),
    "network": FieldSpec("enum", choices=NETWORK, nullable=False),
    "emoji": FieldSpec("str"),
    "icon_prop": FieldSpec("object"),
    "logo_props": FieldSpec("json"),
    "cover_image": FieldSpec("str"),
    "module_view": FieldSpec("bool", nullable=False),
    "cycle_view": FieldSpec("bool", nullable=False),
    "issue_views_view": FieldSpec("bool", nullable=False),
    "page_view": FieldSpec("bool", nullable=False),
    "intake_view": FieldSpec("bool", nullable=False),
    "is_time_tracking_enabled": FieldSpec("bool", nullable=False),
    "is_issue_type_enabled": FieldSpec("bool", nullable=False),
    "guest_view_all_features": FieldSpec("bool", nullable=False),
    "archive_in": FieldSpec("int", nullable=False),
    "close_in": FieldSpec("int", nullable=False),
    "timezone": FieldSpec("timezone", nullable=False),
    "default_state": FieldSpec("uuid"),  # a state of this very project: checked in prepare
    "project_lead": FieldSpec("uuid", ref="member"),
    "default_assignee": FieldSpec("uuid", ref="member"),
    "external_source": FieldSpec("str"),
    "external_id": FieldSpec("str"),
}

OUTPUT = (
    "id", "total_members", "total_cycles", "total_modules", "is_member", "member_role",
    "is_deployed", "created_at", "updated_at", "name", "description", "description_text",
    "description_html", "network", "identifier", "emoji", "icon_prop", "logo_props",
    "module_view", "cycle_view", "issue_views_view", "page_view", "intake_view",
    "is_time_tracking_enabled", "is_issue_type_enabled", "guest_view_all_features",
    "cover_image", "cover_image_url", "archive_in", "close_in", "timezone", "archived_at",
    "sort_order", "external_source", "external_id", "created_by", "updated_by", "workspace",
    "default_assignee", "project_lead", "estimate", "default_state",
)  # fmt: skip

DEFAULTS = {
    "description": "", "description_html": "<p></p>", "network": 2, "module_view": True,
    "cycle_view": True, "issue_views_view": True, "page_view": True, "intake_view": False,
    "is_time_tracking_enabled": False, "is_issue_type_enabled": False,
    "guest_view_all_features": False, "archive_in": 0, "close_in": 0, "timezone": "UTC",
    "is_member": True, "member_role": 20, "is_deployed": False, "sort_order": 65535.0,
    "total_members": 0, "total_cycles": 0, "total_modules": 0,
}  # fmt: skip

# Plane seeds these states into every new project; Backlog is the default.
DEFAULT_STATES = (
    ("Backlog", "#A3A3A3", "backlog", True),
    ("Todo", "#3A3A3A", "unstarted", False),
    ("In Progress", "#F59E0B", "started", False),
    ("Done", "#16A34A", "completed", False),
    ("Cancelled", "#EF4444", "cancelled", False),
)

_IDENTIFIER = re.compile(r"^[A-Z0-9]+$")


def _prepare(ctx: Ctx, doc: Doc) -> None:
    identifier = str(doc["identifier"]).strip().upper()
    if not _IDENTIFIER.match(identifier):
        raise field_errors({"identifier": ["Use only letters A-Z and digits."]})
    doc["identifier"] = identifier
    doc["name"] = doc["name"].strip()
    doc["archive_in"], doc["close_in"] = doc.get("archive_in") or 0, doc.get("close_in") or 0
    for name in ("archive_in", "close_in"):
        if not 0 <= doc[name] <= 12:
            raise field_errors({name: ["Must be between 0 and 12 (months)."]})
    _apply_default_state(ctx, doc)


def _apply_default_state(ctx: Ctx, project: Doc) -> None:
    """default_state must name a state of this project; its states' `default` flags follow it."""
    chosen = project.get("default_state")
    states = ctx.store.query("state", project=project["id"])
    if chosen is not None and chosen not in {state["id"] for state in states}:
        message = f'Invalid pk "{chosen}" - no state of this project.'
        raise field_errors({"default_state": [message]})
    for state in states:
        if state.get("default") != (state["id"] == chosen):
            ctx.store.replace("state", {**state, "default": state["id"] == chosen})


def _seed_states(ctx: Ctx, project: Doc) -> None:
    from conformance.reference.resources.states import RESOURCE as STATE

    for position, (name, color, group, is_default) in enumerate(DEFAULT_STATES):
        state: Doc = {key: None for key in STATE.output}
        state.update(STATE.defaults)
        state.update(name=name, color=color, group=group, default=is_default)
        state.update(sequence=15000.0 * (position + 1), project=project["id"])
        state["workspace"] = ctx.workspace["id"]
        ctx.stamp(state, created=True)
        ctx.store.insert("state", state, project=project["id"])
        if is_default:
            project["default_state"] = state["id"]
    ctx.store.replace("project", project)


def _serialize(ctx: Ctx, doc: Doc) -> Doc:
    return {**doc, "total_members": ctx.store.count("user")}


RESOURCE = Resource(
    kind="project",
    label="Project",
    specs=SPECS,
    output=OUTPUT,
    expandable={
        "workspace": "workspace",
        "project_lead": "user",
        "default_assignee": "user",
        "default_state": "state",
        "created_by": "user",
        "updated_by": "user",
    },
    unique=("name", "identifier"),
    defaults=DEFAULTS,
    prepare=_prepare,
    after_create=_seed_states,
    serialize=_serialize,
)
WORKSPACE_SCOPE = Scope()


def list_projects(ctx: Ctx) -> Response:
    # Archived projects leave the list, as in Plane.
    return listing.list_response(ctx, RESOURCE, WORKSPACE_SCOPE, archived=False)


def create_project(ctx: Ctx) -> Response:
    return crud.create_response(ctx, RESOURCE, WORKSPACE_SCOPE)


def get_project(ctx: Ctx) -> Response:
    return crud.retrieve_response(ctx, RESOURCE, ctx.project())


def update_project(ctx: Ctx) -> Response:
    return crud.update_response(ctx, RESOURCE, ctx.project(), WORKSPACE_SCOPE)


def delete_project(ctx: Ctx) -> Response:
    return crud.delete_response(ctx, RESOURCE, ctx.project())


def archive_project(ctx: Ctx) -> Response:
    project = ctx.project()
    project["archived_at"] = now_iso()
    ctx.store.replace("project", project)
    return _no_content()


def unarchive_project(ctx: Ctx) -> Response:
    project = ctx.project()
    project["archived_at"] = None
    ctx.store.replace("project", project)
    return _no_content()


def _no_content() -> Response:
    return Response(status_code=204)


ROUTES: RouteTable = [
    (WORKSPACE + "/projects/", {"GET": list_projects, "POST": create_project}),
    (PROJECT + "/", {"GET": get_project, "PATCH": update_project, "DELETE": delete_project}),
    (PROJECT + "/archive/", {"POST": archive_project, "DELETE": unarchive_project}),
]

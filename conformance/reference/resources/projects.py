"""Projects: CRUD, archive/unarchive, and the default states seeded on create (as Plane does).

Under the `plane-rules` behaviours a project's name is restricted as Plane restricts it, and a
new project has cycles, modules and intake off until its `cycle_view` / `module_view` /
`intake_view` are switched on (features.py enforces that)."""

from __future__ import annotations

import random
import re

from starlette.responses import Response

from conformance.reference.behaviours import (
    ALL_RELEASES,
    DEPARTURE,
    ONLY_1_0_0,
    RULE,
    SINCE_1_2_3,
    declare_behaviour,
)
from conformance.reference.context import Ctx, now_iso
from conformance.reference.faults import declare_fault
from conformance.reference.resources import crud, listing
from conformance.reference.resources.base import Resource, Scope, View
from conformance.reference.resources.routing import PROJECT, WORKSPACE, RouteTable
from conformance.reference.rules.errors import ApiError, field_errors
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
    "is_deployed", "cover_image_url", "created_at", "updated_at", "deleted_at", "name",
    "description", "description_text", "description_html", "network", "identifier", "emoji",
    "icon_prop", "module_view", "cycle_view", "issue_views_view", "page_view", "intake_view",
    "is_time_tracking_enabled", "is_issue_type_enabled", "guest_view_all_features",
    "cover_image", "archive_in", "close_in", "logo_props", "archived_at", "timezone",
    "external_source", "external_id", "created_by", "updated_by", "workspace",
    "default_assignee", "project_lead", "cover_image_asset", "estimate", "default_state",
    "sort_order",
)  # fmt: skip
LIST_ONLY = ("sort_order",)  # Plane's project list annotates the caller's sort order

DEFAULTS = {
    "description": "", "network": 2, "module_view": True, "cycle_view": True,
    "issue_views_view": False, "page_view": True, "intake_view": True,
    "is_time_tracking_enabled": False, "is_issue_type_enabled": False,
    "guest_view_all_features": False, "archive_in": 0, "close_in": 0, "timezone": "UTC",
    "is_member": True, "member_role": 20, "is_deployed": False, "sort_order": 65535.0,
    "total_members": 0, "total_cycles": 0, "total_modules": 0,
}  # fmt: skip

FEATURES_OFF = declare_behaviour(
    "features-off-until-enabled",
    RULE,
    "a new project has cycles and modules off (cycle_view, module_view false) until they are "
    "switched on; creating or updating one while off answers Plane's 400",
    releases=SINCE_1_2_3,
)
INTAKE_OFF = declare_behaviour(
    "intake-off-until-enabled",
    RULE,
    "a new project has intake off (intake_view false) until it is switched on; an intake issue "
    "written while off answers Plane's 400",
    releases=ALL_RELEASES,
)
# What a new project has switched off under each behaviour (Plane's model defaults).
PLANE_FLAGS = (
    (FEATURES_OFF, {"module_view": False, "cycle_view": False}),
    (INTAKE_OFF, {"intake_view": False}),
)
PROJECT_LOGO_EMPTY = declare_behaviour(
    "project-logo-empty",
    DEPARTURE,
    "a new project's logo_props is {} (later releases give it a random icon, as the reference "
    "does by default; the docs show the field in an example only)",
    releases=ONLY_1_0_0,
)

RESTRICTED_NAMES = declare_behaviour(
    "restricted-project-names",
    RULE,
    "a project name holding any of & + , : ; $ ^ } { * = ? @ # | ' < > . ( ) % ! - is refused "
    "with Plane's 400",
    releases=SINCE_1_2_3,
)
_FORBIDDEN_NAME = re.compile(r"[&+,:;$^}{*=?@#|'<>.()%!-]")

UNKNOWN_PROJECT_WRITE_403 = declare_behaviour(
    "unknown-project-write-403",
    DEPARTURE,
    "a PATCH or DELETE of an unknown project id answers 403 (Plane checks the caller's role in "
    "the project before its existence); the docs answer an unknown id with 404",
    releases=ALL_RELEASES,
)
FORBIDDEN = {"detail": "You do not have permission to perform this action."}

# Plane gives a new project a random icon from these (its `logo_props`).
_ICONS = ("home", "apps", "settings", "star", "done", "terminal", "rocket", "bolt", "eco")
_COLORS = ("#95999f", "#6d7b8a", "#5e6ad2", "#02b5ed", "#02b55c", "#f2be02", "#e57a00")

# Plane seeds these states into every new project; Backlog is the default.
DEFAULT_STATES = (
    ("Backlog", "#60646C", "backlog", True),
    ("Todo", "#60646C", "unstarted", False),
    ("In Progress", "#F59E0B", "started", False),
    ("Done", "#46A758", "completed", False),
    ("Cancelled", "#9AA4BC", "cancelled", False),
)

_IDENTIFIER = re.compile(r"^[A-Z0-9]+$")


def check_name(ctx: Ctx, body: object) -> None:
    """Under RESTRICTED_NAMES, a name with one of Plane's forbidden characters is refused."""
    name = body.get("name") if isinstance(body, dict) else None
    if (
        ctx.config.follows(RESTRICTED_NAMES)
        and isinstance(name, str)
        and _FORBIDDEN_NAME.search(name)
    ):
        raise field_errors(
            {"non_field_errors": ["Project name cannot contain special characters."]}
        )


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
    if chosen is None:  # a new project's, or one never set: the states keep their own flags
        return
    states = ctx.store.query("state", project=project["id"])
    if chosen not in {state["id"] for state in states}:
        message = f'Invalid pk "{chosen}" - no state of this project.'
        raise field_errors({"default_state": [message]})
    for state in states:
        if state.get("default") != (state["id"] == chosen):
            ctx.store.replace("state", {**state, "default": state["id"] == chosen})


def _after_create(ctx: Ctx, project: Doc) -> None:
    """Plane's default states (the project's `default_state` stays null: the Backlog state
    carries the default flag), and its creator as the first project member."""
    from conformance.reference.resources.members import add_creator
    from conformance.reference.resources.states import RESOURCE as STATE

    for position, (name, color, group, is_default) in enumerate(DEFAULT_STATES):
        state: Doc = {key: None for key in STATE.output}
        state.update(STATE.defaults)
        state.update(name=name, color=color, group=group, default=is_default, slug="")
        state.update(sequence=15000.0 * (position + 1), project=project["id"])
        state["workspace"] = ctx.workspace["id"]
        ctx.stamp(state, created=True)
        ctx.store.insert("state", state, project=project["id"])
    add_creator(ctx, project)


def _serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    out = {**doc, "total_members": ctx.store.count("project_member", project=doc["id"])}
    if view != "create":  # (a create answers its creator's: a member, an admin)
        # The caller's own membership: none for a guest reading somebody else's project.
        mine = ctx.store.find(
            "project_member", project=doc["id"], field="member", value=ctx.user_id
        )
        out["is_member"] = mine is not None
        out["member_role"] = mine["role"] if mine else None
    if view == "list":
        return out
    return {k: v for k, v in out.items() if k not in LIST_ONLY}


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
    after_create=_after_create,
    serialize=_serialize,
    default_order=("sort_order", False),
)
WORKSPACE_SCOPE = Scope()


def list_projects(ctx: Ctx) -> Response:
    # Archived projects leave the list, as in Plane.
    return listing.list_response(ctx, RESOURCE, WORKSPACE_SCOPE, archived=False)


PROJECT_STORED_ON_400 = declare_fault(
    "project-create-stored-on-400",
    ("SIDE-001",),
    "a project create is stored, then answered 400 as if it had been refused",
)


def create_project(ctx: Ctx) -> Response:
    created = _create_project(ctx)
    if ctx.config.has(PROJECT_STORED_ON_400.name) and created.status_code < 300:
        raise ApiError(400, {"error": "The project could not be created."})
    return created


def _create_project(ctx: Ctx) -> Response:
    check_name(ctx, ctx.body)
    body = ctx.body
    if isinstance(body, dict):
        flags = {
            name: value
            for behaviour, off in PLANE_FLAGS
            if ctx.config.follows(behaviour)
            for name, value in off.items()
        }
        rng = random.Random()
        logo: Doc = {
            "in_use": "icon",
            "icon": {"name": rng.choice(_ICONS), "color": rng.choice(_COLORS)},
        }
        if ctx.config.follows(PROJECT_LOGO_EMPTY):
            logo = {}
        ctx.body = {**flags, "logo_props": logo, **body}
    return crud.create_response(ctx, RESOURCE, WORKSPACE_SCOPE)


def get_project(ctx: Ctx) -> Response:
    return crud.retrieve_response(ctx, RESOURCE, ctx.project())


def _writable_project(ctx: Ctx) -> Doc:
    """The path's project; under UNKNOWN_PROJECT_WRITE_403 an unknown one answers 403."""
    try:
        return ctx.project()
    except ApiError as error:
        if error.status == 404 and ctx.config.follows(UNKNOWN_PROJECT_WRITE_403):
            raise ApiError(403, FORBIDDEN) from None
        raise


def update_project(ctx: Ctx) -> Response:
    project = _writable_project(ctx)
    check_name(ctx, ctx.body)
    return crud.update_response(ctx, RESOURCE, project, WORKSPACE_SCOPE)


def delete_project(ctx: Ctx) -> Response:
    return crud.delete_response(ctx, RESOURCE, _writable_project(ctx))


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

"""Modules: CRUD, archive/unarchive, work-item membership (an item may sit in several).

As in Plane, a read annotates the work item counts per state group, an update answers the fields
its update serialiser knows (not the whole module), and only a completed or cancelled module can
be archived."""

from __future__ import annotations

from starlette.responses import Response

from conformance.reference.behaviours import DEPARTURE, ONLY_1_0_0, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.resources import containers, crud, features, listing
from conformance.reference.resources.base import Resource, View, load_in_project, project_scope
from conformance.reference.resources.cycles import group_counts
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import bad_request
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

STATUSES = ("backlog", "planned", "in-progress", "paused", "completed", "cancelled")

SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "description": FieldSpec("str"),
    "description_html": FieldSpec("str"),
    "start_date": FieldSpec("date"),
    "target_date": FieldSpec("date"),
    "status": FieldSpec("enum", choices=STATUSES, nullable=False),
    "lead": FieldSpec("uuid", ref="member"),
    "members": FieldSpec("uuid_list", nullable=False, ref="member"),
    "external_source": FieldSpec("str"),
    "external_id": FieldSpec("str"),
    "logo_props": FieldSpec("json"),
    "view_props": FieldSpec("json"),
    "sort_order": FieldSpec("number", nullable=False),
}
OUTPUT = (
    "id", "created_at", "updated_at", "deleted_at", "name", "description", "description_text",
    "description_html", "start_date", "target_date", "status", "view_props", "sort_order",
    "external_source", "external_id", "archived_at", "logo_props", "created_by", "updated_by",
    "project", "workspace", "lead", "members",
)  # fmt: skip
# What an update answers (Plane's update serialiser; `members` is write-only there).
UPDATE_ANSWER = (
    "name", "description", "start_date", "target_date", "status", "lead", "external_source",
    "external_id",
)  # fmt: skip
ARCHIVABLE = ("completed", "cancelled")


def _prepare(ctx: Ctx, doc: Doc) -> None:
    features.require(ctx, doc["project"], "module_view")
    doc["members"] = list(dict.fromkeys(doc.get("members") or []))
    if doc.get("sort_order") is None:
        doc["sort_order"] = 65535.0


UPDATE_ANSWERS_MODULE = declare_behaviour(
    "module-update-answers-module",
    DEPARTURE,
    "a module update answers the whole module (later releases answer only the fields their "
    "update serialiser knows, as the reference does by default)",
    releases=ONLY_1_0_0,
)


def _serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    if view == "update" and not ctx.config.follows(UPDATE_ANSWERS_MODULE):
        return {name: doc.get(name) for name in UPDATE_ANSWER}
    if view in ("read", "list"):
        return {**group_counts(ctx, "module", doc["id"]), **doc}
    return doc


RESOURCE = Resource(
    kind="module",
    label="Module",
    specs=SPECS,
    output=OUTPUT,
    expandable={
        "project": "project",
        "workspace": "workspace",
        "lead": "user",
        "members": "user",
        "created_by": "user",
        "updated_by": "user",
    },
    defaults={
        "description": "",
        "status": "planned",
        "members": [],
        "view_props": {},
        "logo_props": {},
    },
    date_range=("start_date", "target_date"),
    default_order=("created_at", True),
    prepare=_prepare,
    serialize=_serialize,
)


def _one(ctx: Ctx) -> Doc:
    return load_in_project(ctx, RESOURCE, "module_id")


def archive(ctx: Ctx) -> Response:
    module = _one(ctx)
    if module.get("status") not in ARCHIVABLE:
        raise bad_request("Only completed or cancelled modules can be archived")
    return containers.set_archived(ctx, "module", module, True)


ROUTES: RouteTable = [
    (
        PROJECT + "/modules/",
        {
            "GET": lambda ctx: listing.list_response(
                ctx, RESOURCE, project_scope(ctx), archived=False
            ),
            "POST": lambda ctx: crud.create_response(ctx, RESOURCE, project_scope(ctx)),
        },
    ),
    (
        PROJECT + "/modules/{module_id}/",
        crud.object_routes(RESOURCE, _one, project_scope),
    ),
    (PROJECT + "/modules/{module_id}/archive/", {"POST": lambda ctx: archive(ctx)}),
    *containers.routes(RESOURCE, _one, exclusive=False),
]

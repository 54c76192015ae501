"""States: CRUD; the group is an enumeration; the default state and states in use stay."""

from __future__ import annotations

from conformance.reference.context import Ctx
from conformance.reference.resources import crud, listing
from conformance.reference.resources.base import Resource, load_in_project, project_scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import bad_request
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

GROUPS = ("backlog", "unstarted", "started", "completed", "cancelled", "triage")

SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "color": FieldSpec("str", required=True, max_length=255),
    "description": FieldSpec("str"),
    "group": FieldSpec("enum", choices=GROUPS, nullable=False),
    "sequence": FieldSpec("number", nullable=False),
    "is_triage": FieldSpec("bool", nullable=False),
    "default": FieldSpec("bool", nullable=False),
    "external_source": FieldSpec("str"),
    "external_id": FieldSpec("str"),
}
OUTPUT = (
    "id", "created_at", "updated_at", "name", "description", "color", "sequence", "group",
    "is_triage", "default", "external_source", "external_id", "created_by", "updated_by",
    "project", "workspace",
)  # fmt: skip


def _prepare(ctx: Ctx, doc: Doc) -> None:
    if doc.get("sequence") is None:
        doc["sequence"] = 65535.0
    if doc.get("default"):
        # Only one default state per project: the new default replaces the old one.
        for other in ctx.store.query("state", project=doc["project"]):
            if other["id"] != doc["id"] and other.get("default"):
                ctx.store.replace("state", {**other, "default": False})
        project = ctx.store.get("project", doc["project"])
        if project is not None:
            ctx.store.replace("project", {**project, "default_state": doc["id"]})


def _before_delete(ctx: Ctx, doc: Doc) -> None:
    if doc.get("default"):
        raise bad_request("The default state cannot be deleted.")
    if ctx.store.find("work_item", project=doc["project"], field="state", value=doc["id"]):
        raise bad_request("The state is not empty: only states without work items can be deleted.")


RESOURCE = Resource(
    kind="state",
    label="State",
    specs=SPECS,
    output=OUTPUT,
    expandable={
        "project": "project",
        "workspace": "workspace",
        "created_by": "user",
        "updated_by": "user",
    },
    unique=("name",),
    defaults={"description": "", "group": "backlog", "is_triage": False, "default": False},
    prepare=_prepare,
    before_delete=_before_delete,
)


def _one(ctx: Ctx) -> Doc:
    return load_in_project(ctx, RESOURCE, "state_id")


ROUTES: RouteTable = [
    (
        PROJECT + "/states/",
        {
            "GET": lambda ctx: listing.list_response(ctx, RESOURCE, project_scope(ctx)),
            "POST": lambda ctx: crud.create_response(ctx, RESOURCE, project_scope(ctx)),
        },
    ),
    (
        PROJECT + "/states/{state_id}/",
        crud.object_routes(RESOURCE, _one, project_scope),
    ),
]

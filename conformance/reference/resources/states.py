"""States: CRUD; the group is an enumeration; the default state and states in use stay.

As in Plane, a state carries a `slug` of its name, a new one is sequenced 15000 after the
project's last, and triage states (made for intake) are left out of the list."""

from __future__ import annotations

import json
import re
import unicodedata

from starlette.responses import Response

from conformance.reference.behaviours import ALL_RELEASES, RULE, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.resources import crud, listing
from conformance.reference.resources.base import Resource, load_in_project, project_scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import bad_request, json_response
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
    "id", "created_at", "updated_at", "deleted_at", "name", "description", "color", "slug",
    "sequence", "group", "is_triage", "default", "external_source", "external_id",
    "created_by", "updated_by", "project", "workspace",
)  # fmt: skip

STATE_CREATE_200 = declare_behaviour(
    "state-create-200",
    RULE,
    "a state create answers 200, as the create-state page documents (the introduction says "
    "201 for every create)",
    releases=ALL_RELEASES,
)


def slugify(name: str) -> str:
    """Django's slugify: ASCII, lower case, runs of spaces and dashes to one dash."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text.lower())
    return re.sub(r"[-\s]+", "-", text).strip("-_")


def _next_sequence(ctx: Ctx, project: str) -> float:
    sequences = [
        float(state["sequence"])
        for state in ctx.store.query("state", project=project)
        if not state.get("is_triage") and isinstance(state.get("sequence"), int | float)
    ]
    return max(sequences) + 15000 if sequences else 65535.0


def _prepare(ctx: Ctx, doc: Doc) -> None:
    if doc.get("sequence") is None:
        doc["sequence"] = _next_sequence(ctx, doc["project"])
    doc["slug"] = slugify(str(doc.get("name") or ""))
    if doc.get("default"):
        # Only one default state per project: the new default replaces the old one.
        for other in ctx.store.query("state", project=doc["project"]):
            if other["id"] != doc["id"] and other.get("default"):
                ctx.store.replace("state", {**other, "default": False})


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
    default_order=("sequence", False),
)


def _one(ctx: Ctx) -> Doc:
    return load_in_project(ctx, RESOURCE, "state_id")


def create_state(ctx: Ctx) -> Response:
    response = crud.create_response(ctx, RESOURCE, project_scope(ctx))
    if response.status_code == 201 and ctx.config.follows(STATE_CREATE_200):
        return json_response(json.loads(bytes(response.body)), ctx.config, 200)
    return response


def list_states(ctx: Ctx) -> Response:
    return listing.list_response(
        ctx, RESOURCE, project_scope(ctx), keep=lambda state: not state.get("is_triage")
    )


ROUTES: RouteTable = [
    (PROJECT + "/states/", {"GET": list_states, "POST": create_state}),
    (
        PROJECT + "/states/{state_id}/",
        crud.object_routes(RESOURCE, _one, project_scope),
    ),
]

"""Work items: CRUD under work-items/ (and the older issues/ spelling), per-project sequence ids,
lookup by IDENT-123, the project's default state for new items, and a simple search."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from conformance.reference.config import ServerConfig
from conformance.reference.context import Ctx, now_iso
from conformance.reference.faults import declare_fault
from conformance.reference.resources import crud, listing
from conformance.reference.resources.base import Resource, View, project_scope
from conformance.reference.resources.routing import PROJECT, WORKSPACE, RouteTable
from conformance.reference.rules.errors import field_errors, json_response, not_found
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec
from conformance.reference.variations import declare_variation

WRONG_FIELD_TYPE = declare_fault(
    "wrong-field-type", ("SCHEMA-002",), "work items carry sequence_id as a string, not an integer"
)
SEQUENCE_LOOKUP_BROKEN = declare_fault(
    "sequence-lookup-broken", ("RES-001",), "IDENT-n answers the work item numbered n+1"
)
# Legitimate: no docs page documents the issues/ spelling (it comes from Plane's URL
# configuration), so a server that routes exactly the documented paths conforms.
NO_ISSUES_SPELLING = declare_variation(
    "no-issues-spelling",
    "only the documented work-items/ paths are routed: the older issues/ spelling (Plane's URL "
    "configuration, no docs page) answers like an unknown URL",
)
IDENTIFIER_LOOKUP_UNROUTED = declare_fault(
    "identifier-lookup-unrouted",
    ("CAP-001", "RES-001"),
    "the core IDENT-123 lookup is not routed (both spellings answer as an unknown URL)",
)
LIST_REDIRECTS = declare_fault(
    "documented-path-redirects",
    ("REDIR-001",),
    "the documented work-items/ list answers 301 to the issues/ spelling",
)
SEQUENCE_COUNTS_DOWN = declare_fault(
    "sequence-counts-down",
    ("RES-002",),
    "each new work item of a project gets a lower sequence_id than the one before",
)

SEQUENCE_CEILING = 100_000  # the first number handed out under SEQUENCE_COUNTS_DOWN, plus one
PRIORITIES = ("urgent", "high", "medium", "low", "none")

SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "description_html": FieldSpec("str", nullable=False),
    "priority": FieldSpec("enum", choices=PRIORITIES, nullable=False),
    "start_date": FieldSpec("date"),
    "target_date": FieldSpec("date"),
    "state": FieldSpec("uuid", nullable=False, ref="state"),
    "assignees": FieldSpec("uuid_list", nullable=False, ref="member"),
    "labels": FieldSpec("uuid_list", nullable=False, ref="label"),
    "parent": FieldSpec("uuid", ref="work_item"),
    "point": FieldSpec("int", nullable=False),
    "is_draft": FieldSpec("bool", nullable=False),
    "sort_order": FieldSpec("number", nullable=False),
    "external_source": FieldSpec("str"),
    "external_id": FieldSpec("str"),
    # Work item types and estimates are Cloud features this server does not have: any id given
    # names nothing here, so it is refused like every other unknown reference.
    "type": FieldSpec("str", ref="work_item_type"),
    "type_id": FieldSpec("uuid", ref="work_item_type"),
    "estimate_point": FieldSpec("str", ref="estimate_point"),
}
# Plane's fields, in its order (no `description_stripped`: its serialiser leaves it out).
OUTPUT = (
    "id", "type_id", "created_at", "updated_at", "deleted_at", "point", "name",
    "description_html", "description_binary", "priority", "start_date", "target_date",
    "sequence_id", "sort_order", "completed_at", "archived_at", "is_draft", "external_source",
    "external_id", "created_by", "updated_by", "project", "workspace", "parent", "state",
    "estimate_point", "type", "assignees", "labels",
)  # fmt: skip


def default_state(ctx: Ctx, project_id: str) -> str | None:
    """The project's default state: the one it names, else the state flagged default."""
    project = ctx.store.get("project", project_id) or {}
    if project.get("default_state"):
        return str(project["default_state"])
    flagged = ctx.store.find("state", project=project_id, field="default", value=True)
    return str(flagged["id"]) if flagged else None


def _prepare(ctx: Ctx, doc: Doc) -> None:
    if doc.get("state") is None:
        doc["state"] = default_state(ctx, doc["project"])
    if doc.get("parent") == doc["id"]:
        raise field_errors({"parent": ["A work item cannot be its own parent."]})
    if doc.get("sequence_id") is None:
        doc["sequence_id"] = ctx.store.next_value(f"sequence:{doc['project']}")
        if ctx.config.has(SEQUENCE_COUNTS_DOWN.name):
            doc["sequence_id"] = SEQUENCE_CEILING - doc["sequence_id"]
    if doc.get("sort_order") is None:
        doc["sort_order"] = 65535.0 * doc["sequence_id"]
    state = ctx.store.get("state", doc["state"]) if doc.get("state") else None
    completed = state is not None and state.get("group") == "completed"
    doc["completed_at"] = (doc.get("completed_at") or now_iso()) if completed else None
    doc["assignees"] = list(dict.fromkeys(doc.get("assignees") or []))
    doc["labels"] = list(dict.fromkeys(doc.get("labels") or []))


def _serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    if ctx.config.has(WRONG_FIELD_TYPE.name):
        return {**doc, "sequence_id": str(doc["sequence_id"])}
    return doc


RESOURCE = Resource(
    kind="work_item",
    label="Work item",
    specs=SPECS,
    output=OUTPUT,
    expandable={
        "assignees": "user",
        "labels": "label",
        "state": "state",
        "project": "project",
        "parent": "work_item:lite",
        "workspace": "workspace",
        "created_by": "user",
        "updated_by": "user",
    },
    defaults={
        "description_html": "<p></p>",
        "priority": "none",
        "is_draft": False,
        "assignees": [],
        "labels": [],
    },
    date_range=("start_date", "target_date"),
    default_order=("created_at", True),
    prepare=_prepare,
    serialize=_serialize,
)


def _one(ctx: Ctx) -> Doc:
    return ctx.work_item(ctx.project(), "work_item_id")


def by_identifier(ctx: Ctx) -> Response:
    """GET work-items/PROJ-12/: the project's identifier and the item's sequence number."""
    identifier, _, number = ctx.path["identifier"].rpartition("-")
    if not identifier or not number.isdigit():
        raise not_found("Work item", ctx.config)
    project = ctx.store.find("project", project=None, field="identifier", value=identifier.upper())
    if project is None:
        raise not_found("Work item", ctx.config)
    sequence = int(number) + (1 if ctx.config.has(SEQUENCE_LOOKUP_BROKEN.name) else 0)
    item = ctx.store.find("work_item", project=project["id"], field="sequence_id", value=sequence)
    if item is None:
        raise not_found("Work item", ctx.config)
    return crud.retrieve_response(ctx, RESOURCE, item)


def search(ctx: Ctx) -> Response:
    """Workspace search by name or IDENT-n; answers {"issues": [...]} as the docs show."""
    term = (ctx.params.get("search") or "").strip().lower()
    hits = []
    for project in ctx.store.query("project"):
        for item in ctx.store.query("work_item", project=project["id"]):
            key = f"{project['identifier']}-{item['sequence_id']}".lower()
            if term and term not in item["name"].lower() and term != key:
                continue
            hits.append(
                {
                    "id": item["id"],
                    "name": item["name"],
                    # The fault's string sequence_id, here too: one type on every endpoint.
                    "sequence_id": _serialize(ctx, item, "list")["sequence_id"],
                    "project__identifier": project["identifier"],
                    "project_id": project["id"],
                    "workspace__slug": ctx.workspace["slug"],
                }
            )
    return json_response({"issues": hits[:100]}, ctx.config)


_TABLE: RouteTable = [
    (WORKSPACE + "/work-items/search/", {"GET": search}),
    (WORKSPACE + "/work-items/{identifier}/", {"GET": by_identifier}),
    (
        PROJECT + "/work-items/",
        {
            "GET": lambda ctx: _list(ctx),
            "POST": lambda ctx: crud.create_response(ctx, RESOURCE, project_scope(ctx)),
        },
    ),
    (
        PROJECT + "/work-items/{work_item_id}/",
        crud.object_routes(RESOURCE, _one, project_scope),
    ),
]


def with_issues_alias(table: RouteTable, config: ServerConfig) -> RouteTable:
    """Every work-items/ path also answers under the older issues/ spelling."""
    if config.varies(NO_ISSUES_SPELLING):
        return table
    alias = [
        (path.replace("/work-items/", "/issues/"), methods)
        for path, methods in table
        if "/work-items/" in path
    ]
    return table + alias


def _list(ctx: Ctx) -> Response:
    if ctx.config.has(LIST_REDIRECTS.name):
        project = project_scope(ctx).project
        location = f"/api/v1/workspaces/{ctx.workspace['slug']}/projects/{project}/issues/"
        return RedirectResponse(location, status_code=301)
    return listing.list_response(ctx, RESOURCE, project_scope(ctx))


def routes(config: ServerConfig) -> RouteTable:
    table = _TABLE
    if config.has(IDENTIFIER_LOOKUP_UNROUTED.name):
        table = [(path, methods) for path, methods in table if not path.endswith("{identifier}/")]
    return table

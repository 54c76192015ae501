"""Labels: CRUD; a parent must be a label of the same project; deleting unlabels work items."""

from __future__ import annotations

from starlette.responses import Response

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.resources import crud, listing
from conformance.reference.resources.base import Resource, load_in_project, project_scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import ApiError, field_errors
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "color": FieldSpec("str", nullable=False, max_length=255),
    "description": FieldSpec("str"),
    "parent": FieldSpec("uuid", ref="label"),
    "sort_order": FieldSpec("number", nullable=False),
    "external_source": FieldSpec("str"),
    "external_id": FieldSpec("str"),
}
OUTPUT = (
    "id", "created_at", "updated_at", "deleted_at", "name", "description", "color",
    "sort_order", "external_source", "external_id", "created_by", "updated_by", "workspace",
    "project", "parent",
)  # fmt: skip


SORT_ORDER_AFTER_LAST = declare_behaviour(
    "label-sort-order-after-last",
    DEPARTURE,
    "a label created in a project that has labels gets the highest sort_order there plus "
    "10000, whatever the body says (the project's first label and an update keep the value "
    "sent); the docs give sort_order as the label's sort order",
    releases=ALL_RELEASES,
)


UPDATE_409_WITHOUT_EXTERNAL_ID = declare_behaviour(
    "label-update-409-without-external-id",
    DEPARTURE,
    "a label update that sends no external_id answers 409 "
    '{"error": "Label with the same external id and external source already exists"} when '
    "another label of the project has none either (the missing ids are looked up as equal); "
    "the docs answer 200",
    releases=frozenset({"1.0.0"}),
)


def _prepare(ctx: Ctx, doc: Doc) -> None:
    if doc.get("parent") == doc["id"]:
        raise field_errors({"parent": ["A label cannot be its own parent."]})
    if doc.get("sort_order") is None:
        doc["sort_order"] = 65535.0
    stored = ctx.store.get("label", doc["id"])
    creating = stored is None
    if (
        stored is not None
        and ctx.config.follows(UPDATE_409_WITHOUT_EXTERNAL_ID)
        and not (isinstance(ctx.body, dict) and ctx.body.get("external_id"))
        and any(
            other["id"] != doc["id"]
            and other.get("external_id") is None
            and other.get("external_source") == stored.get("external_source")
            for other in ctx.store.query("label", project=doc["project"])
        )
    ):
        raise ApiError(
            409,
            {
                "error": "Label with the same external id and external source already exists",
                "id": doc["id"],
            },
        )
    if creating and ctx.config.follows(SORT_ORDER_AFTER_LAST):
        others = [d["sort_order"] for d in ctx.store.query("label", project=doc["project"])]
        if others:
            doc["sort_order"] = float(max(others)) + 10000


def _before_delete(ctx: Ctx, doc: Doc) -> None:
    for item in ctx.store.query("work_item", project=doc["project"]):
        if doc["id"] in item.get("labels", []):
            item["labels"] = [lid for lid in item["labels"] if lid != doc["id"]]
            ctx.store.replace("work_item", item)


RESOURCE = Resource(
    kind="label",
    label="Label",
    specs=SPECS,
    output=OUTPUT,
    expandable={
        "project": "project",
        "workspace": "workspace",
        "parent": "label",
        "created_by": "user",
        "updated_by": "user",
    },
    unique=("name",),
    defaults={"description": "", "color": ""},
    default_order=("created_at", True),
    prepare=_prepare,
    before_delete=_before_delete,
)


def _one(ctx: Ctx) -> Doc:
    return load_in_project(ctx, RESOURCE, "label_id")


def _list(ctx: Ctx) -> Response:
    return listing.list_response(ctx, RESOURCE, project_scope(ctx))


ROUTES: RouteTable = [
    (
        PROJECT + "/labels/",
        {"GET": _list, "POST": lambda ctx: crud.create_response(ctx, RESOURCE, project_scope(ctx))},
    ),
    (
        PROJECT + "/labels/{label_id}/",
        crud.object_routes(RESOURCE, _one, project_scope),
    ),
]

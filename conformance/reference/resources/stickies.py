"""Stickies: the caller's notes in the workspace (CRUD; the list is paginated).

Plane's fields (`description_binary`, `deleted_at`) and its 404 (`{"detail": ...}`, its
framework's) are kept; its null colours are taken on under `sticky-colours-null` only, as the
docs give them as strings."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from conformance.reference.behaviours import DEPARTURE, SINCE_1_2_3, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.resources import crud
from conformance.reference.resources.base import Resource, Scope, View
from conformance.reference.resources.routing import WORKSPACE, RouteTable
from conformance.reference.rules import pagination
from conformance.reference.rules.errors import ApiError, json_response, not_found
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

_TAGS = re.compile(r"<[^>]+>")

OUTPUT = (
    "id", "created_at", "updated_at", "deleted_at", "name", "description", "description_html",
    "description_stripped", "description_binary", "logo_props", "color", "background_color",
    "sort_order", "created_by", "updated_by", "workspace", "owner",
)  # fmt: skip

COLOURS_NULL = declare_behaviour(
    "sticky-colours-null",
    DEPARTURE,
    "a sticky created without colours answers color and background_color null; the docs give "
    "both as strings",
    releases=SINCE_1_2_3,
)
_COLOURS = ("color", "background_color")


def _serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    if ctx.config.follows(COLOURS_NULL):
        return {**doc, **{name: doc.get(name) or None for name in _COLOURS}}
    return doc


def _prepare(ctx: Ctx, doc: Doc) -> None:
    doc["owner"] = doc.get("owner") or ctx.user_id
    doc["description_stripped"] = _TAGS.sub("", doc.get("description_html") or "").strip()


RESOURCE = Resource(
    kind="sticky",
    label="Sticky",
    # created_by / updated_by / deleted_at / description_stripped are on the page but managed
    # by the server; they are ignored like every other read-only field.
    specs={
        "name": FieldSpec("str", nullable=False, max_length=255),
        "description": FieldSpec("object"),
        "description_html": FieldSpec("str"),
        "logo_props": FieldSpec("object"),
        "color": FieldSpec("str", nullable=False, max_length=255),
        "background_color": FieldSpec("str", nullable=False, max_length=255),
        "sort_order": FieldSpec("number", nullable=False),
    },
    output=OUTPUT,
    expandable={"workspace": "workspace", "owner": "user"},
    defaults={
        "name": "",
        "description": {},
        "description_html": "<p></p>",
        "logo_props": {},
        "color": "",
        "background_color": "",
        "sort_order": 65535.0,
    },
    prepare=_prepare,
    default_order=("created_at", True),
    serialize=_serialize,
)
SCOPE = Scope()


def _one(ctx: Ctx) -> Doc:
    """The caller's sticky (stickies are personal); a 404 in Plane's words for one."""
    try:
        doc = ctx.load("sticky", "Sticky", ctx.path["sticky_id"])
    except ApiError as error:
        if error.status != 404:
            raise
        doc = {}
    if doc.get("owner") != ctx.user_id:
        refusal = not_found("Sticky", ctx.config)
        if refusal.status == 404:
            refusal = ApiError(404, {"detail": "No Sticky matches the given query."})
        raise refusal
    return doc


def list_stickies(ctx: Ctx) -> Response:
    """The caller's stickies, paginated (the list page documents the cursor envelope)."""
    page = pagination.parse(ctx.params, ctx.config, plane_default=20)
    newest_first = ("created_at", True)  # as Plane lists them
    docs = [
        d for d in ctx.store.query("sticky", order=newest_first) if d.get("owner") == ctx.user_id
    ]

    def fetch(offset: int, limit: int) -> list[Any]:
        return [_serialize(ctx, doc, "list") for doc in docs[offset : offset + limit]]

    return json_response(pagination.paginate(page, len(docs), fetch, ctx.config), ctx.config)


ROUTES: RouteTable = [
    (
        WORKSPACE + "/stickies/",
        {"GET": list_stickies, "POST": lambda ctx: crud.create_response(ctx, RESOURCE, SCOPE)},
    ),
    (
        WORKSPACE + "/stickies/{sticky_id}/",
        crud.object_routes(RESOURCE, _one, lambda ctx: SCOPE),
    ),
]

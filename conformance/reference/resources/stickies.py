"""Stickies: the caller's notes in the workspace (CRUD; the list is paginated)."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.resources import crud
from conformance.reference.resources.base import Resource, Scope
from conformance.reference.resources.routing import WORKSPACE, RouteTable
from conformance.reference.rules import pagination
from conformance.reference.rules.errors import json_response
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

_TAGS = re.compile(r"<[^>]+>")

OUTPUT = (
    "id", "created_at", "updated_at", "name", "description", "description_html",
    "description_stripped", "logo_props", "color", "background_color", "sort_order", "workspace",
    "owner", "created_by", "updated_by",
)  # fmt: skip


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
)
SCOPE = Scope()


def _one(ctx: Ctx) -> Doc:
    doc = ctx.load("sticky", "Sticky", ctx.path["sticky_id"])
    if doc.get("owner") != ctx.user_id:
        ctx.load("sticky", "Sticky", "not-a-uuid")  # raises the 404: stickies are personal
    return doc


def list_stickies(ctx: Ctx) -> Response:
    """The caller's stickies, paginated (the list page documents the cursor envelope)."""
    page = pagination.parse(ctx.params, ctx.config)
    docs = [d for d in ctx.store.query("sticky") if d.get("owner") == ctx.user_id]

    def fetch(offset: int, limit: int) -> list[Any]:
        return docs[offset : offset + limit]

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

"""Comments and links: objects that live under one work item."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.resources import base
from conformance.reference.resources.base import Resource, Scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

_TAGS = re.compile(r"<[^>]+>")
ACCESS = ("INTERNAL", "EXTERNAL")


def _comment_prepare(ctx: Ctx, doc: Doc) -> None:
    doc["issue"] = ctx.path["work_item_id"]
    doc["actor"] = doc.get("actor") or ctx.user_id
    doc["comment_stripped"] = _TAGS.sub("", doc.get("comment_html") or "").strip()
    if doc["created_at"] != doc["updated_at"]:
        doc["edited_at"] = doc["updated_at"]


COMMENT = Resource(
    kind="comment",
    label="Comment",
    specs={
        "comment_html": FieldSpec("str", nullable=False),
        "comment_json": FieldSpec("json"),
        "access": FieldSpec("enum", choices=ACCESS, nullable=False),
        "external_source": FieldSpec("str"),
        "external_id": FieldSpec("str"),
    },
    output=(
        "id",
        "created_at",
        "updated_at",
        "comment_stripped",
        "comment_json",
        "comment_html",
        "attachments",
        "access",
        "external_source",
        "external_id",
        "edited_at",
        "created_by",
        "updated_by",
        "project",
        "workspace",
        "issue",
        "actor",
    ),
    expandable={
        "actor": "user",
        "issue": "work_item",
        "project": "project",
        "workspace": "workspace",
        "created_by": "user",
        "updated_by": "user",
    },
    defaults={
        "comment_html": "<p></p>",
        "comment_json": {},
        "access": "INTERNAL",
        "attachments": [],
    },
    prepare=_comment_prepare,
)


def _link_prepare(ctx: Ctx, doc: Doc) -> None:
    doc["issue"] = ctx.path["work_item_id"]


LINK = Resource(
    kind="link",
    label="Link",
    specs={
        "url": FieldSpec("url", required=True, max_length=2048),
        "title": FieldSpec("str"),
        "metadata": FieldSpec("json"),
    },
    output=(
        "id",
        "created_at",
        "updated_at",
        "title",
        "url",
        "metadata",
        "created_by",
        "updated_by",
        "project",
        "workspace",
        "issue",
    ),
    expandable={
        "issue": "work_item",
        "project": "project",
        "workspace": "workspace",
        "created_by": "user",
        "updated_by": "user",
    },
    defaults={"metadata": {}, "title": ""},
    prepare=_link_prepare,
)


def _routes(resource: Resource, segment: str, id_name: str) -> RouteTable:
    def scope(ctx: Ctx) -> Scope:
        item = ctx.work_item(ctx.project(), "work_item_id")
        return Scope(project=item["project"], parent=item["id"])

    def one(ctx: Ctx) -> Doc:
        parent = scope(ctx)
        doc = ctx.load(resource.kind, resource.label, ctx.path[id_name], project=parent.project)
        if doc.get("issue") != parent.parent:
            ctx.load(resource.kind, resource.label, "not-a-uuid")  # raises the 404
        return doc

    handler = Callable[[Ctx], Response]
    collection: dict[str, handler] = {
        "GET": lambda ctx: base.list_response(ctx, resource, scope(ctx)),
        "POST": lambda ctx: base.create_response(ctx, resource, scope(ctx)),
    }
    single: dict[str, handler] = {
        "GET": lambda ctx: base.retrieve_response(ctx, resource, one(ctx)),
        "PATCH": lambda ctx: base.update_response(ctx, resource, one(ctx), scope(ctx)),
        "DELETE": lambda ctx: base.delete_response(ctx, resource, one(ctx)),
    }
    prefix = PROJECT + "/work-items/{work_item_id}/" + segment
    return [(prefix + "/", collection), (prefix + "/{" + id_name + "}/", single)]


ROUTES: RouteTable = _routes(COMMENT, "comments", "comment_id") + _routes(LINK, "links", "link_id")

"""Comments and links: objects that live under one work item."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.resources import crud, listing
from conformance.reference.resources.base import Resource, Scope
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import field_errors
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

_TAGS = re.compile(r"<[^>]+>")
ACCESS = ("INTERNAL", "EXTERNAL")


def _check_comment_parent(ctx: Ctx, doc: Doc) -> None:
    """A reply's parent is a comment of the same work item, and replies never loop."""
    parent_id, seen = doc.get("parent"), {doc["id"]}
    while parent_id is not None:
        parent = ctx.store.get("comment", parent_id)
        if parent is None or parent.get("issue") != doc["issue"]:
            message = f'Invalid pk "{parent_id}" - no comment of this work item.'
            raise field_errors({"parent": [message]})
        if parent_id in seen:
            raise field_errors({"parent": ["A comment cannot be a reply to itself."]})
        seen.add(parent_id)
        parent_id = parent.get("parent")


def _comment_prepare(ctx: Ctx, doc: Doc) -> None:
    doc["issue"] = ctx.path["work_item_id"]
    _check_comment_parent(ctx, doc)
    doc["actor"] = doc.get("actor") or ctx.user_id
    doc["comment_stripped"] = _TAGS.sub("", doc.get("comment_html") or "").strip()
    if doc["created_at"] != doc["updated_at"]:
        doc["edited_at"] = doc["updated_at"]


def _comment_before_delete(ctx: Ctx, doc: Doc) -> None:
    # Replies outlive the comment they answered; they just stop pointing at it.
    for other in ctx.store.query("comment", project=doc["project"], parent=doc["issue"]):
        if other.get("parent") == doc["id"]:
            ctx.store.replace("comment", {**other, "parent": None})


COMMENT = Resource(
    kind="comment",
    label="Comment",
    specs={
        "comment_html": FieldSpec("str", nullable=False),
        "comment_json": FieldSpec("object"),
        "parent": FieldSpec("uuid"),  # checked against the work item's comments in prepare
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
        "parent",
    ),
    expandable={
        "actor": "user",
        "issue": "work_item",
        "parent": "comment",
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
    before_delete=_comment_before_delete,
)


def _link_prepare(ctx: Ctx, doc: Doc) -> None:
    doc["issue"] = ctx.path["work_item_id"]


LINK = Resource(
    kind="link",
    label="Link",
    specs={
        "url": FieldSpec("url", required=True, max_length=2048),
        "title": FieldSpec("str", nullable=False),
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
        "GET": lambda ctx: listing.list_response(ctx, resource, scope(ctx)),
        "POST": lambda ctx: crud.create_response(ctx, resource, scope(ctx)),
    }
    single: dict[str, handler] = {
        "GET": lambda ctx: crud.retrieve_response(ctx, resource, one(ctx)),
        "PATCH": lambda ctx: crud.update_response(ctx, resource, one(ctx), scope(ctx)),
        "DELETE": lambda ctx: crud.delete_response(ctx, resource, one(ctx)),
    }
    prefix = PROJECT + "/work-items/{work_item_id}/" + segment
    return [(prefix + "/", collection), (prefix + "/{" + id_name + "}/", single)]


ROUTES: RouteTable = _routes(COMMENT, "comments", "comment_id") + _routes(LINK, "links", "link_id")

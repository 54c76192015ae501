"""Comments and links: objects that live under one work item.

Plane's ways kept here: a comment carries the id of its `description` object (not the
`comment_json` / `comment_stripped` it stores), a list says `is_member`, `edited_at` is left to
the web app; a create answers the author in `updated_by`, which reads back null until the object
is changed. A link's `metadata` (url, title, favicon) is filled from the page after the create,
which answers it empty; filling it, as Plane's background task does, clears the link's authors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from conformance.reference.behaviours import (
    ALL_RELEASES,
    DEPARTURE,
    ONLY_1_0_0,
    ONLY_1_2_3,
    declare_behaviour,
)
from conformance.reference.context import Ctx, new_id
from conformance.reference.resources import crud, listing
from conformance.reference.resources.base import Resource, Scope, View
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules.errors import bad_request, field_errors
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

ACCESS = ("INTERNAL", "EXTERNAL")
# Plane's favicon when a page gives none: a link icon as an SVG data URI.
DEFAULT_FAVICON = (
    "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIyNCIg"
    "aGVpZ2h0PSIyNCIgdmlld0JveD0iMCAwIDI0IDI0IiBmaWxsPSJub25lIiBzdHJva2U9ImN1cnJlbnRDb2xvciIvPg=="
)
LINK_TITLE_UNFETCHED = declare_behaviour(
    "link-title-unfetched",
    DEPARTURE,
    "a link's metadata.title is null, as on a Plane that cannot fetch the page (the recording's "
    "loopback server); the docs give metadata.title as a string",
    releases=ALL_RELEASES,
)
LINK_HOST_UNRESOLVED = declare_behaviour(
    "link-metadata-unresolved",
    DEPARTURE,
    "a link's metadata is v1.2.3's crawler giving up on a host it cannot resolve (the "
    "recording's loopback machine): {url, error, title: null, favicon: null}, no favicon_url",
    releases=ONLY_1_2_3,
)
LINK_CREATE_NO_TITLE = declare_behaviour(
    "link-create-ignores-title",
    DEPARTURE,
    "a link create ignores `title` (the link's title is null until an update sets it); the "
    "docs list title in the create body",
    releases=ONLY_1_0_0,
)


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
    doc["description"] = doc.get("description") or new_id()


def _author_answered(ctx: Ctx, doc: Doc, view: View, *fields: str) -> Doc:
    """A create answers the author in these fields, though they read back null."""
    return {**doc, **dict.fromkeys(fields, ctx.user_id)} if view == "create" else doc


COMMENT_WITHOUT_DESCRIPTION = declare_behaviour(
    "comment-without-description",
    DEPARTURE,
    "a comment carries no `description` and no `parent` (later releases add both; the docs "
    "show a comment in an example only)",
    releases=ONLY_1_0_0,
)


def _comment_serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    out = _author_answered(ctx, doc, view, "updated_by")
    if ctx.config.follows(COMMENT_WITHOUT_DESCRIPTION):
        out = {k: v for k, v in out.items() if k not in ("description", "parent")}
    return {"is_member": True, **out} if view in ("read", "list") else out


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
        "deleted_at",
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
        "description",
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
    defaults={"comment_html": "<p></p>", "access": "INTERNAL", "attachments": []},
    prepare=_comment_prepare,
    before_delete=_comment_before_delete,
    serialize=_comment_serialize,
    default_order=("created_at", True),
)


def _link_prepare(ctx: Ctx, doc: Doc) -> None:
    doc["issue"] = ctx.path["work_item_id"]
    # Plane's background task re-reads the page after every create and update and saves the
    # link outside any request: what is stored ends up with no authors.
    doc["created_by"] = doc["updated_by"] = None
    for other in ctx.store.query("link", project=doc["project"], parent=doc["issue"]):
        if other["id"] != doc["id"] and other.get("url") == doc.get("url"):
            raise bad_request("URL already exists for this Issue")


def _link_after_create(ctx: Ctx, doc: Doc) -> None:
    """What Plane's background task does a moment after the create: the page's metadata."""
    title = None if ctx.config.follows(LINK_TITLE_UNFETCHED) else str(doc.get("url"))
    metadata: dict[str, Any] = {
        "url": doc.get("url"),
        "title": title,
        "favicon": DEFAULT_FAVICON,
        "favicon_url": None,
    }
    if ctx.config.follows(LINK_HOST_UNRESOLVED):
        metadata = {
            "url": doc.get("url"),
            "error": "Unexpected error: Hostname could not be resolved",
            "title": None,
            "favicon": None,
        }
    if ctx.config.follows(LINK_CREATE_NO_TITLE):
        doc = {**doc, "title": None}
    ctx.store.replace("link", {**doc, "metadata": metadata})


def _link_serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    """A write is answered before the background task ran: with its authors (a create also
    with no metadata yet)."""
    if view == "create":
        title = None if ctx.config.follows(LINK_CREATE_NO_TITLE) else doc.get("title")
        return {
            **doc,
            "title": title,
            "metadata": {},
            "created_by": ctx.user_id,
            "updated_by": ctx.user_id,
        }
    if view == "update":
        return {**doc, "updated_by": ctx.user_id}
    return doc


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
        "deleted_at",
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
    after_create=_link_after_create,
    serialize=_link_serialize,
    default_order=("created_at", True),
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

"""The seeded workspace and its members; GET users/me and the workspace member list."""

from __future__ import annotations

from starlette.responses import Response

from conformance.reference.context import Ctx, new_id, now_iso
from conformance.reference.resources.routing import WORKSPACE, RouteTable
from conformance.reference.rules.errors import json_response
from conformance.reference.store import Doc, Store

_PEOPLE = (
    ("Ada", "Lovelace", "ada"),
    ("Grace", "Hopper", "grace"),
    ("Alan", "Turing", "alan"),
)


def _user(first: str, last: str, handle: str) -> Doc:
    return {
        "id": new_id(),
        "first_name": first,
        "last_name": last,
        "email": f"{handle}@example.com",
        "avatar": "",
        "avatar_url": None,
        "display_name": handle,
    }


def seed(store: Store, slug: str) -> tuple[Doc, str]:
    """The workspace and the id of the key's user; created once, kept across restarts (--db)."""
    workspace = store.find("workspace", project=None, field="slug", value=slug)
    if workspace is None:
        with store.transaction():
            for first, last, handle in _PEOPLE:
                store.insert("user", _user(first, last, handle))
            owner = store.query("user", limit=1)[0]["id"]
            workspace = {
                "id": new_id(),
                "name": slug.replace("-", " ").title(),
                "slug": slug,
                "owner": owner,
                "created_at": now_iso(),
            }
            store.insert("workspace", workspace)
    return workspace, workspace["owner"]


def me(ctx: Ctx) -> Response:
    return json_response(ctx.store.get("user", ctx.user_id), ctx.config)


def workspace_members(ctx: Ctx) -> Response:
    # A plain list, as the docs' example shows (this list is not paginated).
    members = [
        {**user, "role": 20 if user["id"] == ctx.workspace["owner"] else 15}
        for user in ctx.store.query("user")
    ]
    return json_response(members, ctx.config)


ROUTES: RouteTable = [
    ("/api/v1/users/me/", {"GET": me}),
    (WORKSPACE + "/members/", {"GET": workspace_members}),
]

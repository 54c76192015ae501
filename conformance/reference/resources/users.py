"""The seeded workspace and its members; GET users/me and the workspace member list."""

from __future__ import annotations

from starlette.responses import Response

from conformance.reference.context import Ctx, People, new_id, now_iso
from conformance.reference.resources.routing import WORKSPACE, RouteTable
from conformance.reference.rules.errors import json_response
from conformance.reference.store import Doc, Store

# The workspace's people: handle -> (first name, last name, workspace role, whose key). Plane's
# roles: 20 admin, 15 member, 5 guest. The owner's key is the server's own; the member's and the
# guest's keys exist when the server is given them (serve makes them).
ADMIN, MEMBER, GUEST = 20, 15, 5
_PEOPLE = (
    ("ada", "Ada", "Lovelace", ADMIN, "admin"),
    ("grace", "Grace", "Hopper", MEMBER, "member"),
    ("alan", "Alan", "Turing", MEMBER, None),
    ("katherine", "Katherine", "Johnson", GUEST, "guest"),
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


def seed(store: Store, slug: str) -> tuple[Doc, People]:
    """The workspace and its people; created once, kept across restarts (--db), the people an
    older database lacks added."""
    with store.transaction():
        known = {user["display_name"]: user for user in store.query("user")}
        for handle, first, last, _role, _key in _PEOPLE:
            if handle not in known:
                known[handle] = _user(first, last, handle)
                store.insert("user", known[handle])
        workspace = store.find("workspace", project=None, field="slug", value=slug)
        if workspace is None:
            workspace = {
                "id": new_id(),
                "name": slug.replace("-", " ").title(),
                "slug": slug,
                "owner": known["ada"]["id"],
                "created_at": now_iso(),
            }
            store.insert("workspace", workspace)
    by_key = {key: known[handle]["id"] for handle, _f, _l, _r, key in _PEOPLE if key}
    by_key["admin"] = workspace["owner"]
    roles = {known[handle]["id"]: role for handle, _f, _l, role, _k in _PEOPLE}
    roles[workspace["owner"]] = ADMIN
    return workspace, People(by_key, roles)


def role(ctx: Ctx, user_id: str) -> int:
    """A user's workspace role (the owner is an admin; anyone else seeded a member)."""
    if user_id == ctx.workspace["owner"]:
        return ADMIN
    return ctx.people.roles.get(user_id, MEMBER)


def me(ctx: Ctx) -> Response:
    return json_response(ctx.store.get("user", ctx.user_id), ctx.config)


def workspace_members(ctx: Ctx) -> Response:
    # A plain list, as the docs' example shows (this list is not paginated).
    members = [{**user, "role": role(ctx, user["id"])} for user in ctx.store.query("user")]
    return json_response(members, ctx.config)


ROUTES: RouteTable = [
    ("/api/v1/users/me/", {"GET": me}),
    (WORKSPACE + "/members/", {"GET": workspace_members}),
]

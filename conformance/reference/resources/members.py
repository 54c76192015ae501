"""Project members (list, add, detail, update, remove) and removing a workspace member.

The project's creator is its first member (an admin), added when the project is created, as Plane
does. As in Plane, the list and the detail answer the member *users* (their short profile), while
a create or an update answers the membership (`id`, `member`, `role`).
"""

from __future__ import annotations

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.resources import crud
from conformance.reference.resources.base import Resource, Scope, View
from conformance.reference.resources.routing import PROJECT, WORKSPACE, RouteTable
from conformance.reference.rules.errors import ApiError, field_errors, json_response, not_found
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, is_uuid, validate_body

ADMIN, MEMBER, GUEST = 20, 15, 5
ROLES = (ADMIN, MEMBER, GUEST)

OUTPUT = (
    "id", "member", "role", "project", "workspace", "created_at", "updated_at", "deleted_at",
    "created_by", "updated_by",
)  # fmt: skip
ANSWERED = ("id", "member", "role")  # what a create or an update answers
USER_FIELDS = ("id", "first_name", "last_name", "email", "avatar", "avatar_url", "display_name")


def member_user(ctx: Ctx, doc: Doc) -> Doc:
    """The member's short profile (Plane's UserLite), as the list and the detail answer it."""
    user = ctx.store.get("user", doc.get("member") or "") or {}
    return {name: user.get(name) for name in USER_FIELDS}


def _serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    if view in ("read", "list"):
        return member_user(ctx, doc)
    return {name: doc.get(name) for name in ANSWERED}


RESOURCE = Resource(
    kind="project_member",
    label="Project member",
    specs={
        "member": FieldSpec("uuid", required=True, nullable=False, ref="member"),
        "role": FieldSpec("enum", choices=ROLES, nullable=False),
    },
    output=OUTPUT,
    unique=("member",),
    defaults={"role": GUEST},  # Plane's model default
    serialize=_serialize,
)


def add_creator(ctx: Ctx, project: Doc) -> None:
    """The project's creator becomes its first member, an admin (called when it is created)."""
    doc: Doc = {name: None for name in OUTPUT}
    doc.update(member=project.get("created_by") or ctx.user_id, role=ADMIN, project=project["id"])
    doc["workspace"] = ctx.workspace["id"]
    ctx.stamp(doc, created=True)
    ctx.store.insert("project_member", doc, project=project["id"])


def _scope(ctx: Ctx) -> Scope:
    return Scope(project=ctx.project()["id"])


def _one(ctx: Ctx) -> Doc:
    """By membership id or, as a convenience, by the member's user id."""
    scope = _scope(ctx)
    key = ctx.path["member_id"]
    doc = ctx.store.get("project_member", key) if is_uuid(key) else None
    if doc is None and is_uuid(key):
        doc = ctx.store.find("project_member", project=scope.project, field="member", value=key)
    if doc is None or doc.get("project") != scope.project:
        raise not_found("Project member", ctx.config)
    return doc


def list_members(ctx: Ctx) -> Response:
    scope = _scope(ctx)
    docs = ctx.store.query("project_member", project=scope.project)
    return json_response([member_user(ctx, d) for d in docs], ctx.config)


def remove_workspace_member(ctx: Ctx) -> Response:
    """POST {email} (or {member_id}): the member leaves the workspace and all its projects."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    specs = {"email": FieldSpec("str", nullable=False), "member_id": FieldSpec("uuid")}
    clean = validate_body(body, specs, ctx.config, partial=True)
    if not clean.get("email") and not clean.get("member_id"):
        raise field_errors({"email": ["This field is required."]})
    user = None
    if clean.get("member_id"):
        user = ctx.store.get("user", clean["member_id"])
    if user is None and clean.get("email"):
        email = str(clean["email"]).strip().lower()
        user = ctx.store.find("user", project=None, field="email", value=email)
    if user is None:
        raise not_found("Workspace member", ctx.config)
    if user["id"] in (ctx.workspace["owner"], ctx.user_id):
        raise ApiError(400, {"error": "The workspace owner cannot be removed."})
    with ctx.store.transaction():
        for membership in ctx.store.query("project_member"):
            if membership.get("member") == user["id"]:
                ctx.store.delete("project_member", membership["id"])
        ctx.store.delete("user", user["id"])
    return Response(status_code=204)


ROUTES: RouteTable = [
    (
        PROJECT + "/project-members/",
        {
            "GET": list_members,
            "POST": lambda ctx: crud.create_response(ctx, RESOURCE, _scope(ctx)),
        },
    ),
    (
        PROJECT + "/project-members/{member_id}/",
        crud.object_routes(RESOURCE, _one, _scope),
    ),
    (WORKSPACE + "/members/remove/", {"POST": remove_workspace_member}),
]

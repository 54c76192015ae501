"""Who may do what: Plane's roles, as its permission classes decide them, before a view runs.

A workspace has admins (role 20), members (15) and guests (5); a project has members of its own
(the creator first, an admin). The server's own key is the workspace owner's (an admin, and a
member of every project it creates), so without `serve`'s member and guest keys none of this
refuses anything. What Plane answers the other keys (seen on the kit's v1.3.1, v1.2.3 and
v1.0.0, read in each release's `plane/app/permissions/`):

- a guest may read the workspace's projects and its own stickies, but may not create a project
  or list the workspace members (403);
- inside a project, reading needs a membership of the project, and writing a membership as an
  admin or member (a workspace admin is no exception);
- labels and project members: reading needs a membership of some project of the workspace;
  creating one needs the workspace role of an admin or member;
- changing or deleting a project needs its admin; invitations need a workspace admin.

A refusal is Plane's 403 `{"detail": "You do not have permission to perform this action."}`.
Plane checks permissions before it looks the project up: with the `unknown-project-403`
behaviour, a request under a project id that names no project is refused like a stranger's;
by default (the docs) the view answers its 404.
"""

from __future__ import annotations

import re

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.rules.errors import ApiError

ADMIN, MEMBER = 20, 15
WRITERS = (ADMIN, MEMBER)
FORBIDDEN = {"detail": "You do not have permission to perform this action."}

UNKNOWN_PROJECT_403 = declare_behaviour(
    "unknown-project-403",
    DEPARTURE,
    "a request inside a project id that names no project (its states, work items, cycles, ...) "
    "answers 403, as a stranger's would: Plane checks the caller's membership before the "
    "project exists; the docs answer an unknown id with 404",
    releases=ALL_RELEASES,
)
OTHER_WORKSPACE_403 = declare_behaviour(
    "other-workspace-403",
    DEPARTURE,
    "a workspace slug the key's user is not in answers 403 (a permission refusal), not 404",
    releases=ALL_RELEASES,
)

# Route templates (the reference's) -> Plane's permission class, first match wins.
_WS = r"^/api/v1/workspaces/\{slug\}"
_PROJECT = _WS + r"/projects/\{project_id\}"
_RULES = (
    (re.compile(_WS + r"/members/"), "workspace-admin"),
    (re.compile(_WS + r"/invitations/"), "workspace-owner"),
    (re.compile(_WS + r"/(work-items|issues)/\{identifier\}/$"), "by-identifier"),
    (re.compile(_WS + r"/projects/$"), "project-base"),
    (re.compile(_PROJECT + r"/$"), "project-base"),
    (re.compile(_PROJECT + r"/archive/$"), "project-base"),
    (re.compile(_PROJECT + r"/(labels|project-members)/"), "project-member"),
    (re.compile(_PROJECT + r"/(intake-issues|(work-items|issues)/[^/]+/comments)/"), "lite"),
    (re.compile(_PROJECT + r"/"), "entity"),
)


def refuse() -> ApiError:
    return ApiError(403, FORBIDDEN)


def check_workspace(ctx: Ctx, slug: str) -> None:
    """A slug that is not the server's workspace: 404 by default, 403 as Plane."""
    if slug == ctx.workspace["slug"]:
        return
    if ctx.config.follows(OTHER_WORKSPACE_403):
        raise refuse()
    raise ApiError(404, {"error": "Workspace not found"})


def _project_role(ctx: Ctx, project_id: str) -> int | None:
    membership = ctx.store.find(
        "project_member", project=project_id, field="member", value=ctx.user_id
    )
    return int(membership["role"]) if membership else None


def _member_of_some_project(ctx: Ctx) -> bool:
    return any(m.get("member") == ctx.user_id for m in ctx.store.query("project_member"))


def check(ctx: Ctx, method: str, template: str, workspace_role: int) -> None:
    """Raise Plane's 403 when the caller's roles do not allow `method` on the route."""
    kind = next((kind for pattern, kind in _RULES if pattern.match(template)), None)
    if kind is None:
        return
    if kind == "workspace-admin":
        allowed = workspace_role in WRITERS
    elif kind == "workspace-owner":
        allowed = workspace_role == ADMIN
    elif kind == "project-base" and (method == "GET" or "project_id" not in ctx.path):
        allowed = method == "GET" or workspace_role in WRITERS
    elif kind == "project-base" and method == "POST":  # archiving: Plane asks the workspace role
        allowed = workspace_role in WRITERS
    elif kind == "project-member" and method in ("GET", "POST"):
        allowed = _member_of_some_project(ctx) if method == "GET" else workspace_role in WRITERS
    elif kind == "by-identifier":
        allowed = _by_identifier(ctx)
    else:
        allowed = _inside_project(ctx, method, kind)
    if not allowed:
        raise refuse()


def _by_identifier(ctx: Ctx) -> bool:
    """PROJ-12: reading needs a membership of the project named by the identifier."""
    identifier = ctx.path.get("identifier", "").rpartition("-")[0].upper()
    project = ctx.store.find("project", project=None, field="identifier", value=identifier)
    if project is None:
        return not ctx.config.follows(UNKNOWN_PROJECT_403)
    return _project_role(ctx, project["id"]) is not None


def _inside_project(ctx: Ctx, method: str, kind: str) -> bool:
    project_id = ctx.path.get("project_id", "")
    if ctx.store.get("project", project_id) is None and not ctx.config.follows(UNKNOWN_PROJECT_403):
        return True  # the view answers its 404, as the docs want
    role = _project_role(ctx, project_id)
    if kind == "project-base":  # changing or deleting the project itself
        return role == ADMIN
    if kind == "lite" or method == "GET":
        return role is not None
    return role in WRITERS

"""Workspace invitations: CRUD; one pending invitation per email, never to a current member."""

from __future__ import annotations

import re

from starlette.responses import Response

from conformance.reference.context import Ctx
from conformance.reference.resources import crud
from conformance.reference.resources.base import Resource, Scope, View
from conformance.reference.resources.routing import WORKSPACE, RouteTable
from conformance.reference.rules.errors import field_errors, json_response
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

ROLES = (20, 15, 5)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

OUTPUT = (
    "id", "email", "role", "accepted", "responded_at", "workspace", "created_at", "updated_at",
    "created_by", "updated_by",
)  # fmt: skip
ANSWERED = ("id", "email", "role", "created_at", "updated_at", "responded_at", "accepted")


def _serialize(ctx: Ctx, doc: Doc, view: View) -> Doc:
    """Plane's invitation serialiser leaves out the workspace and the authors."""
    return {name: doc.get(name) for name in ANSWERED}


def _prepare(ctx: Ctx, doc: Doc) -> None:
    email = str(doc["email"]).strip().lower()
    if not _EMAIL.match(email):
        raise field_errors({"email": ["Enter a valid email address."]})
    if ctx.store.find("user", project=None, field="email", value=email) is not None:
        raise field_errors({"email": ["This user is already a member of the workspace."]})
    doc["email"] = email


RESOURCE = Resource(
    kind="invitation",
    label="Invitation",
    specs={
        "email": FieldSpec("str", required=True, max_length=255),
        "role": FieldSpec("enum", choices=ROLES, nullable=False),
    },
    output=OUTPUT,
    unique=("email",),
    defaults={"role": 5, "accepted": False},  # Plane's model default role: guest
    prepare=_prepare,
    serialize=_serialize,
)
SCOPE = Scope()


def _one(ctx: Ctx) -> Doc:
    return ctx.load("invitation", "Invitation", ctx.path["invitation_id"])


def list_invitations(ctx: Ctx) -> Response:
    docs = ctx.store.query("invitation")
    return json_response([_serialize(ctx, doc, "list") for doc in docs], ctx.config)


ROUTES: RouteTable = [
    (
        WORKSPACE + "/invitations/",
        {"GET": list_invitations, "POST": lambda ctx: crud.create_response(ctx, RESOURCE, SCOPE)},
    ),
    (
        WORKSPACE + "/invitations/{invitation_id}/",
        crud.object_routes(RESOURCE, _one, lambda ctx: SCOPE),
    ),
]

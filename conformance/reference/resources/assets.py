"""User assets (avatar, cover) and workspace assets: upload credentials, completing the upload,
the workspace asset's detail, deleting a user asset. Metadata lives in the `asset` documents
shared with attachments; bytes go to the loopback storage of uploads.py."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.resources import uploads
from conformance.reference.resources.attachments import (
    check_size,
    object_key,
    refuse_missing,
    upload_answer,
)
from conformance.reference.resources.routing import WORKSPACE, RouteTable
from conformance.reference.rules.errors import (
    ApiError,
    deleted,
    field_errors,
    json_response,
    server_error,
)
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, validate_body

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/jpg", "image/gif")
USER_ENTITY_TYPES = ("USER_AVATAR", "USER_COVER")

USER_SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "type": FieldSpec("enum", choices=IMAGE_TYPES),
    "size": FieldSpec("int", required=True),
    "entity_type": FieldSpec("enum", required=True, choices=USER_ENTITY_TYPES),
}
WORKSPACE_SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "type": FieldSpec("str"),
    "size": FieldSpec("int", required=True),
    "project_id": FieldSpec("uuid"),
    "external_id": FieldSpec("str"),
    "external_source": FieldSpec("str"),
}
USER_UPDATE_SPECS = {"attributes": FieldSpec("json")}
WORKSPACE_UPDATE_SPECS = {"is_uploaded": FieldSpec("bool", nullable=False)}


def _create(ctx: Ctx, clean: dict[str, Any], entity_type: str, project: str | None) -> Response:
    doc: Doc = {
        "name": clean["name"],
        "type": clean.get("type"),
        "size": clean["size"],
        "attributes": {"name": clean["name"], "type": clean.get("type"), "size": clean["size"]},
        "asset": object_key(ctx, clean["name"]),
        "entity_type": entity_type,
        "is_uploaded": False,
        "workspace": ctx.workspace["id"],
        "project": project,
        "external_id": clean.get("external_id"),
        "external_source": clean.get("external_source"),
    }
    ctx.stamp(doc, created=True)
    with ctx.store.transaction():
        ctx.store.insert("asset", doc, project=project)
        data = uploads.upload_data(ctx, doc, clean.get("type"))
    body = {
        "id": doc["id"],
        "asset_id": doc["id"],
        "asset_url": uploads.download_url(ctx, doc["id"]),
        "upload_data": data,
    }
    if entity_type == "WORKSPACE" and ctx.config.follows(WORKSPACE_ASSETS_500):
        raise server_error()
    return upload_answer(ctx, body)


def create_user_asset(ctx: Ctx) -> Response:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    if body.get("entity_type") not in USER_ENTITY_TYPES:
        raise ApiError(400, {"error": "Invalid entity type.", "status": False})
    clean = validate_body(ctx.body, USER_SPECS, ctx.config, partial=False)
    check_size(clean["size"])
    return _create(ctx, clean, clean["entity_type"], None)


WORKSPACE_ASSETS_500 = declare_behaviour(
    "workspace-assets-500",
    DEPARTURE,
    "a workspace asset upload with a valid body answers 500, on any deployment: Plane's view "
    "calls its storage class with an argument it does not take (a body missing name or size is "
    "still refused with 400 first)",
    releases=ALL_RELEASES,
)


def create_workspace_asset(ctx: Ctx) -> Response:
    refuse_missing(ctx, ("name", "size"), "Name and size are required fields.")
    clean = validate_body(ctx.body, WORKSPACE_SPECS, ctx.config, partial=False)
    check_size(clean["size"])
    project = clean.get("project_id")
    if project is not None and ctx.store.get("project", project) is None:
        raise field_errors({"project_id": [f'Invalid pk "{project}" - object does not exist.']})
    return _create(ctx, clean, "WORKSPACE", project)


def _user_asset(ctx: Ctx) -> Doc:
    doc = ctx.load("asset", "Asset", ctx.path["asset_id"])
    if doc.get("entity_type") not in USER_ENTITY_TYPES or doc.get("created_by") != ctx.user_id:
        ctx.load("asset", "Asset", "not-a-uuid")  # raises the 404
    return doc


def _workspace_asset(ctx: Ctx) -> Doc:
    doc = ctx.load("asset", "Asset", ctx.path["asset_id"])
    if doc.get("entity_type") != "WORKSPACE" or doc.get("workspace") != ctx.workspace["id"]:
        ctx.load("asset", "Asset", "not-a-uuid")  # raises the 404
    return doc


def update_user_asset(ctx: Ctx) -> Response:
    """PATCH {attributes}: merges them and marks the asset uploaded (204)."""
    doc = _user_asset(ctx)
    clean = validate_body(ctx.body, USER_UPDATE_SPECS, ctx.config, partial=True)
    attributes = clean.get("attributes")
    if attributes is not None and not isinstance(attributes, dict):
        raise field_errors({"attributes": ["Expected a JSON object."]})
    doc["attributes"] = {**(doc.get("attributes") or {}), **(attributes or {})}
    doc["is_uploaded"] = True
    ctx.stamp(doc, created=False)
    ctx.store.replace("asset", doc)
    return Response(status_code=204)


def delete_user_asset(ctx: Ctx) -> Response:
    doc = _user_asset(ctx)
    with ctx.store.transaction():
        ctx.store.delete("asset", doc["id"])
    return deleted(doc, ctx.config)


def get_workspace_asset(ctx: Ctx) -> Response:
    doc = _workspace_asset(ctx)
    body = {
        "id": doc["id"],
        "asset_id": doc["id"],
        "name": doc["name"],
        "type": doc.get("type"),
        "asset_url": uploads.download_url(ctx, doc["id"]),
        "attributes": {**(doc.get("attributes") or {}), "entity_type": "WORKSPACE"},
        "is_uploaded": bool(doc.get("is_uploaded")),
    }
    return json_response(body, ctx.config)


def update_workspace_asset(ctx: Ctx) -> Response:
    doc = _workspace_asset(ctx)
    clean = validate_body(ctx.body, WORKSPACE_UPDATE_SPECS, ctx.config, partial=True)
    if "is_uploaded" in clean:
        doc["is_uploaded"] = clean["is_uploaded"]
    ctx.stamp(doc, created=False)
    ctx.store.replace("asset", doc)
    return Response(status_code=204)


ROUTES: RouteTable = [
    ("/api/v1/assets/user-assets/", {"POST": create_user_asset}),
    (
        "/api/v1/assets/user-assets/{asset_id}/",
        {"PATCH": update_user_asset, "DELETE": delete_user_asset},
    ),
    (WORKSPACE + "/assets/", {"POST": create_workspace_asset}),
    (
        WORKSPACE + "/assets/{asset_id}/",
        {"GET": get_workspace_asset, "PATCH": update_workspace_asset},
    ),
]

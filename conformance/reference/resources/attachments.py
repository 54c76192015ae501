"""Work item attachments: upload credentials (which create the attachment), completing the upload,
listing, the detail (a redirect to the file) and delete. Files go to the loopback storage of
uploads.py; an integrator may also skip the bytes and only complete the upload (metadata flow)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.config import ServerConfig
from conformance.reference.context import Ctx
from conformance.reference.resources import uploads, work_items
from conformance.reference.resources.routing import PROJECT, RouteTable, body_unread
from conformance.reference.rules.errors import (
    ApiError,
    created,
    deleted,
    field_errors,
    json_response,
)
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, validate_body

OUTPUT = (
    "id", "created_at", "updated_at", "deleted_at", "attributes", "asset", "entity_type",
    "is_deleted", "is_archived", "external_id", "external_source", "size", "is_uploaded",
    "storage_metadata", "created_by", "updated_by", "workspace", "project", "issue",
)  # fmt: skip

FILE_SPECS = {
    "name": FieldSpec("str", required=True, max_length=255),
    "type": FieldSpec("str"),
    "size": FieldSpec("int", required=True),
    "external_id": FieldSpec("str"),
    "external_source": FieldSpec("str"),
}
COMPLETE_SPECS = {"is_uploaded": FieldSpec("bool", nullable=False)}


def refuse_missing(ctx: Ctx, required: tuple[str, ...], message: str) -> None:
    """Plane answers a body missing one of these (or giving it empty) with its own error object,
    {"error": message, "status": false}, before it looks at anything else."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    if not all(body.get(name) for name in required):
        raise ApiError(400, {"error": message, "status": False})


def check_size(size: int) -> None:
    if not 0 <= size <= uploads.MAX_BYTES:
        raise field_errors({"size": [f"Must be between 0 and {uploads.MAX_BYTES} bytes."]})


def object_key(ctx: Ctx, name: str) -> str:
    return f"{ctx.workspace['id']}/{uuid.uuid4().hex}-{name}"


def _item(ctx: Ctx) -> Doc:
    return ctx.work_item(ctx.project(), "work_item_id")


def _one(ctx: Ctx) -> Doc:
    item = _item(ctx)
    doc = ctx.load("asset", "Attachment", ctx.path["attachment_id"], project=item["project"])
    if doc.get("issue") != item["id"] or doc.get("entity_type") != "ISSUE_ATTACHMENT":
        ctx.load("asset", "Attachment", "not-a-uuid")  # raises the 404
    return doc


def _public(doc: Doc) -> Doc:
    return {name: doc.get(name) for name in OUTPUT}


def list_attachments(ctx: Ctx) -> Response:
    """The uploaded attachments of the work item, oldest first (a plain list, as Plane does)."""
    item = _item(ctx)
    docs = ctx.store.query("asset", project=item["project"], parent=item["id"])
    found = [_public(d) for d in docs if d.get("is_uploaded") and not d.get("is_deleted")]
    return json_response(found, ctx.config)


def upload_credentials(ctx: Ctx) -> Response:
    """Create the (not yet uploaded) attachment and answer where to upload its bytes."""
    item = _item(ctx)
    refuse_missing(ctx, ("name", "size"), "Invalid request.")
    clean = validate_body(ctx.body, FILE_SPECS, ctx.config, partial=False)
    check_size(clean["size"])
    doc: Doc = {name: None for name in OUTPUT}
    doc.update(
        attributes={"name": clean["name"], "type": clean.get("type"), "size": clean["size"]},
        asset=object_key(ctx, clean["name"]), entity_type="ISSUE_ATTACHMENT", is_deleted=False,
        is_archived=False, external_id=clean.get("external_id"),
        external_source=clean.get("external_source"), size=clean["size"], is_uploaded=False,
        storage_metadata={}, workspace=ctx.workspace["id"], project=item["project"],
        issue=item["id"],
    )  # fmt: skip
    ctx.stamp(doc, created=True)
    with ctx.store.transaction():
        ctx.store.insert("asset", doc, project=item["project"], parent=item["id"])
        data = uploads.upload_data(ctx, doc, clean.get("type"))
    body = {
        "detail": "Upload credentials generated.",
        "upload_data": data,
        "asset_id": doc["id"],
        "asset_url": uploads.download_url(ctx, doc["id"]),
        "attachment": _public(doc),
    }
    if ctx.config.follows(UPLOAD_ANSWER_AS_PLANE):
        body = _as_plane(body, doc)
    return upload_answer(ctx, body)


UPLOAD_ANSWER_AS_PLANE = declare_behaviour(
    "upload-answer-as-plane",
    DEPARTURE,
    "an attachment's upload credentials answer no `detail`; the attachment is Plane's whole "
    "file asset (entity_identifier, user, draft_issue, comment, page null; size a number) and "
    "the presigned fields those of an S3 signature-v4 POST (x-amz-algorithm, x-amz-credential, "
    'x-amz-date); the page shows {"detail": ...} only',
    releases=ALL_RELEASES,
)
_ASSET_ONLY = ("entity_identifier", "user", "draft_issue", "comment", "page")


def _as_plane(body: Doc, doc: Doc) -> Doc:
    attachment = {**_public(doc), **dict.fromkeys(_ASSET_ONLY), "size": float(doc["size"])}
    day = str(doc["created_at"])[:10].replace("-", "")
    signed = {
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": f"reference/{day}/us-east-1/s3/aws4_request",
        "x-amz-date": f"{day}T000000Z",
    }
    data = {**body["upload_data"], "fields": {**body["upload_data"]["fields"], **signed}}
    return {**{k: v for k, v in body.items() if k != "detail"}, "upload_data": data,
            "attachment": attachment}  # fmt: skip


UPLOAD_CREDENTIALS_200 = declare_behaviour(
    "upload-credentials-200",
    DEPARTURE,
    "the upload credentials of an attachment or a user asset (which create it) answer 200, as "
    "their pages document; the introduction says 201 for every create, as the reference does",
    releases=ALL_RELEASES,
)
PATCH_MARKS_UPLOADED = declare_behaviour(
    "attachment-patch-marks-uploaded",
    DEPARTURE,
    "a PATCH of an attachment answers 204 and marks it uploaded whatever the body (not JSON, "
    "an is_uploaded that is no boolean, an array): Plane's view never reads it; the page "
    "documents is_uploaded, a boolean, and the introduction a 400 for what cannot be processed",
    releases=ALL_RELEASES,
)


def upload_answer(ctx: Ctx, body: Doc) -> Response:
    """What a create of upload credentials answers: 201 (the introduction), or 200."""
    if ctx.config.follows(UPLOAD_CREDENTIALS_200):
        return json_response(body, ctx.config, 200)
    return created(body, ctx.config)


@body_unread(lambda ctx: ctx.config.follows(PATCH_MARKS_UPLOADED))
def complete_upload(ctx: Ctx) -> Response:
    """PATCH {is_uploaded}: 204; marking it uploaded records what storage holds."""
    doc = _one(ctx)
    if ctx.config.follows(PATCH_MARKS_UPLOADED):
        clean = {"is_uploaded": True}
    else:
        clean = validate_body(ctx.body, COMPLETE_SPECS, ctx.config, partial=True)
    if clean.get("is_uploaded"):
        doc["is_uploaded"] = True
        doc["storage_metadata"] = uploads.storage_metadata(ctx, doc)
    ctx.stamp(doc, created=False)
    ctx.store.replace("asset", doc)
    return Response(status_code=204)


def attachment_detail(ctx: Ctx) -> Response:
    """302 to the file, as the page describes; an attachment never uploaded cannot be fetched."""
    doc = _one(ctx)
    if not doc.get("is_uploaded"):
        raise ApiError(400, {"error": "The asset is not uploaded yet."})
    return Response(
        status_code=302, headers={"Location": uploads.download_url(ctx, doc["id"]) or ""}
    )


def delete_attachment(ctx: Ctx) -> Response:
    doc = _one(ctx)
    with ctx.store.transaction():
        ctx.store.delete("asset", doc["id"])
    return deleted(_public(doc), ctx.config)


def _table(segment: str) -> RouteTable:
    prefix = PROJECT + "/{kind}/{work_item_id}/" + segment
    handlers: list[tuple[str, dict[str, Any]]] = [
        (prefix + "/", {"GET": list_attachments, "POST": upload_credentials}),
        (
            prefix + "/{attachment_id}/",
            {"GET": attachment_detail, "PATCH": complete_upload, "DELETE": delete_attachment},
        ),
    ]
    return handlers


def routes(config: ServerConfig) -> RouteTable:
    """work-items/.../attachments/ and, unless the no-issues-spelling variation is on, the
    older issues/.../issue-attachments/ spelling (not derivable by renaming work-items/ alone)."""
    table = [(p.replace("{kind}", "work-items"), m) for p, m in _table("attachments")]
    if not config.varies(work_items.NO_ISSUES_SPELLING):
        table += [(p.replace("{kind}", "issues"), m) for p, m in _table("issue-attachments")]
    return table

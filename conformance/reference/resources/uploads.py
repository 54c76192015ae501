"""A loopback stand-in for object storage: upload credentials point back at this server.

Plane hands out presigned object-storage URLs; the reference server has no bucket, so the upload
URL is `<this server>/uploads/<asset id>?signature=<token>`. It accepts the S3-style POST form
(the returned `fields` plus a `file` part) or a PUT of the raw bytes, and GET downloads them. The
token is the only credential, as with a presigned URL, so these paths sit outside /api/ (no key).
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import secrets
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference.config import ServerConfig
from conformance.reference.context import Ctx, now_iso
from conformance.reference.rules.errors import json_response
from conformance.reference.store import Doc, Store

BLOB = "upload_blob"  # one per asset: the upload token and, once sent, the bytes
MAX_BYTES = 5 * 1024 * 1024  # Plane's default FILE_SIZE_LIMIT


def upload_data(ctx: Ctx, asset: Doc, content_type: str | None) -> dict[str, Any]:
    """Create the asset's upload token; the presigned-POST shaped credentials for it."""
    token = secrets.token_urlsafe(24)
    blob = {"id": asset["id"], "token": token, "data": None, "content_type": content_type}
    ctx.store.insert(BLOB, blob, parent=asset["id"])
    return {
        "url": f"{ctx.base_url}/uploads/{asset['id']}?signature={token}",
        "fields": {
            "Content-Type": content_type or "application/octet-stream",
            "key": asset["asset"],
            "policy": token,
            "x-amz-signature": token,
        },
    }


def download_url(ctx: Ctx, asset_id: str) -> str | None:
    blob = ctx.store.get(BLOB, asset_id)
    if blob is None:
        return None
    return f"{ctx.base_url}/uploads/{asset_id}?signature={blob['token']}"


def storage_metadata(ctx: Ctx, asset: Doc) -> dict[str, Any]:
    """What object storage reports about the stored object (declared size when none was sent)."""
    blob = ctx.store.get(BLOB, asset["id"]) or {}
    data = base64.b64decode(blob["data"]) if blob.get("data") else None
    return {
        "ETag": f'"{hashlib.md5(data or b"").hexdigest()}"',
        "Metadata": {},
        "ContentType": blob.get("content_type") or "application/octet-stream",
        "LastModified": blob.get("stored_at") or now_iso(),
        "ContentLength": len(data) if data is not None else int(asset.get("size") or 0),
    }


def _form_parts(content_type: str, body: bytes) -> dict[str, bytes]:
    """The parts of a multipart/form-data body by field name (stdlib parser, no extra dep)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    parts: dict[str, bytes] = {}
    if not message.is_multipart():
        return parts
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)  # bytes for a leaf part, None if empty
            parts[name] = payload if isinstance(payload, bytes) else b""
    return parts


def routes(state: dict[str, Any]) -> list[Route]:
    config: ServerConfig = state["config"]
    store: Store = state["store"]

    def error(status: int, message: str) -> Response:
        return json_response({"error": message}, config, status)

    async def endpoint(request: Request) -> Response:
        asset_id = request.path_params["asset_id"]
        blob = store.get(BLOB, asset_id)
        if blob is None:
            return error(404, "No such upload")
        try:
            body = await request.body() if request.method in ("PUT", "POST") else b""
        except ClientDisconnect:  # the uploader went away: no one to answer, nothing to log
            return Response(status_code=499)
        token = request.query_params.get("signature") or ""
        if request.method == "POST":
            parts = _form_parts(request.headers.get("content-type", ""), body)
            token = token or (parts.get("x-amz-signature") or b"").decode("latin-1")
            if "file" not in parts:
                return error(400, "The form has no file part.")
            body = parts["file"]
        if not secrets.compare_digest(token.encode(), str(blob["token"]).encode()):
            return error(403, "Signature does not match.")
        if request.method == "GET":
            if blob.get("data") is None:
                return error(404, "Nothing uploaded yet")
            media = blob.get("content_type") or "application/octet-stream"
            return Response(base64.b64decode(blob["data"]), media_type=media)
        asset = store.get("asset", asset_id) or {}
        declared = int(asset.get("size") or MAX_BYTES)
        if len(body) > min(declared, MAX_BYTES):
            return error(400, "The file is larger than the declared size.")
        blob.update(data=base64.b64encode(body).decode(), stored_at=now_iso())
        store.replace(BLOB, blob)
        return Response(status_code=204)

    return [Route("/uploads/{asset_id}", endpoint, methods=["GET", "PUT", "POST"])]

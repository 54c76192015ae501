"""The schema bound to the target client: every case schemathesis sends goes through it.

The bridge is a schemathesis transport: the loaded schema is re-classed so that its `transport`
is ours, which also catches the requests schemathesis's own checks send (the `ignored_auth`
probes). So pacing, recording, redaction and request counting hold for fuzzing too.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
import schemathesis
from schemathesis import Case
from schemathesis.core.transport import Response
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.transport.requests import REQUESTS_TRANSPORT, RequestsTransport

from conformance.spec.yaml_cache import load_yaml
from conformance.target.client import KEY_HEADER, TargetClient

# schemathesis's generic types, as the suite uses them: any operation of an OpenAPI schema.
FuzzOperation = APIOperation[Any, Any, Any, Any]
FuzzCase = Case[Any]

# Inside schemathesis the API key is only ever this stand-in; the target client swaps it for the
# real key on the wire, so no schemathesis object (case, response, failure text) holds the key.
KEY_STANDIN = "plc-configured-key"
STANDIN_HEADERS = {KEY_HEADER: KEY_STANDIN}
# Headers the requests transport adds by default; the target client sets its own.
DROPPED_HEADERS = {"user-agent", "accept-encoding", "connection", "content-length"}


def _key_argument(headers: Mapping[str, Any]) -> bool | str:
    """Which key the target client must send, read from the header schemathesis prepared."""
    value = next((v for k, v in headers.items() if k.lower() == KEY_HEADER.lower()), None)
    if value is None:
        return False  # an ignored_auth probe without credentials
    if value == KEY_STANDIN:
        return True
    return str(value)  # an ignored_auth probe with an invalid key


def _redacted_request(request: httpx.Request) -> requests.PreparedRequest:
    headers = {k: v for k, v in request.headers.items() if k.lower() != KEY_HEADER.lower()}
    if KEY_HEADER.lower() in (k.lower() for k in request.headers):
        headers[KEY_HEADER] = KEY_STANDIN
    return requests.Request(
        method=request.method,
        url=str(request.url),
        headers=headers,
        data=request.content or None,
    ).prepare()


def to_schemathesis_response(response: httpx.Response, elapsed: float) -> Response:
    """An httpx response as schemathesis's checks want it, with the key replaced by the stand-in."""
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        headers.setdefault(name.lower(), []).append(value)
    return Response(
        status_code=response.status_code,
        headers=headers,
        content=response.content,
        request=_redacted_request(response.request),
        elapsed=elapsed,
        verify=True,
        message=response.reason_phrase or http.client.responses.get(response.status_code, ""),
        encoding=response.encoding,
    )


class TargetTransport(RequestsTransport):
    """Serialises cases like the requests transport, sends them with the target client."""

    def __init__(self, client: TargetClient, base_path: str) -> None:
        super().__init__()
        self._copy_serializers_from(REQUESTS_TRANSPORT)
        self.client = client
        self.base_path = base_path.rstrip("/")

    def send(self, case: FuzzCase, *, session: Any = None, **kwargs: Any) -> Response:
        kwargs.pop("base_url", None)
        data = self.serialize_case(
            case, base_url="http://target.invalid" + self.base_path, **kwargs
        )
        url = urlsplit(data["url"])
        headers = {
            k: str(v)
            for k, v in data["headers"].items()
            if k.lower() not in DROPPED_HEADERS and k.lower() != KEY_HEADER.lower()
        }
        content = data.get("data")
        if isinstance(content, str):
            content = content.encode()
        params = data.get("params")
        path = url.path + (f"?{url.query}" if url.query else "")
        started = time.monotonic()
        response = self.client.request(
            data["method"],
            path,
            params=params or None,
            json=data.get("json"),
            headers=headers,
            content=content,
            key=_key_argument(data["headers"]),
        )
        return to_schemathesis_response(response, time.monotonic() - started)


def load_schema(path: Path, client: TargetClient) -> OpenApiSchema:
    """The OpenAPI description as a schemathesis schema whose every request uses `client`."""
    # our own (cached) parse of the file; a fresh copy, as schemathesis may change it
    schema = schemathesis.openapi.from_dict(load_yaml(path))
    servers = schema.raw_schema.get("servers") or [{"url": ""}]
    transport = TargetTransport(client, urlsplit(servers[0].get("url", "")).path)
    base = type(schema)
    # The transport is a property of the schema class; a subclass keeps it across schema clones.
    bound = type(
        f"TargetBound{base.__name__}", (base,), {"transport": property(lambda _: transport)}
    )
    schema.__class__ = bound
    return schema

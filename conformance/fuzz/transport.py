"""The schema bound to the target client: every case schemathesis sends goes through it.

The bridge is a schemathesis transport: the loaded schema is re-classed so that its `transport`
is ours, which also catches the requests schemathesis's own checks send (the `ignored_auth`
probes). So pacing, recording, redaction and request counting hold for fuzzing too, and the
response ledger sees every answer (and every dropped connection) of the campaign.

The credential never enters schemathesis: requests carry a stand-in key that the target client
swaps for the run's credential (an API key or a bearer token, in its own header) on the wire, and
a secret the server echoes in a body or header is replaced before schemathesis (whose failure
messages quote bodies) sees the answer. Objects a generated create
makes are handed to `on_created`, so that the suite deletes them again.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
import schemathesis
from schemathesis import Case
from schemathesis.core.jsonschema.types import JsonValue
from schemathesis.core.transport import Response
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.transport.requests import REQUESTS_TRANSPORT, RequestsTransport

from conformance.credentials import CREDENTIAL_HEADERS
from conformance.spec.yaml_cache import load_yaml
from conformance.target.client import KEY_HEADER, TargetClient
from conformance.target.redaction import Redactor

# schemathesis's generic types, as the suite uses them: any operation of an OpenAPI schema.
FuzzOperation = APIOperation[Any, Any, Any, Any]
FuzzCase = Case[Any]
# A body the campaign writes itself (a documented minimal create): JSON, as schemathesis takes it.
FuzzBody = JsonValue

# Inside schemathesis the API key is only ever this stand-in; the target client swaps it for the
# real key on the wire, so no schemathesis object (case, response, failure text) holds the key.
KEY_STANDIN = "plc-configured-key"
STANDIN_HEADERS = {KEY_HEADER: KEY_STANDIN}
# Headers the requests transport adds by default; the target client sets its own.
DROPPED_HEADERS = {"user-agent", "accept-encoding", "connection", "content-length"}


def _key_argument(headers: Mapping[str, object]) -> bool | str:
    """Which key the target client must send, read from the header schemathesis prepared."""
    value = next((v for k, v in headers.items() if k.lower() == KEY_HEADER.lower()), None)
    if value is None:
        return False  # an ignored_auth probe without credentials
    if value == KEY_STANDIN:
        return True
    return str(value)  # an ignored_auth probe with an invalid key


def _redacted_request(request: httpx.Request) -> requests.PreparedRequest:
    """The request as schemathesis prepared it: whatever credential the target client sent is
    the stand-in again, in the header schemathesis knows (the docs' X-API-Key)."""
    headers = {k: v for k, v in request.headers.items() if k.lower() not in CREDENTIAL_HEADERS}
    if any(name.lower() in CREDENTIAL_HEADERS for name in request.headers):
        headers[KEY_HEADER] = KEY_STANDIN
    return requests.Request(
        method=request.method,
        url=str(request.url),
        headers=headers,
        data=request.content or None,
    ).prepare()


def created_id(collection: str, body: object) -> str | None:
    """The id a path names a newly created object by, read from its create answer.

    An intake entry is named by its work item (`issue`: an id, or the object); an attachment's
    create answers upload credentials (`asset_id`); anything else by its `id`."""
    if not isinstance(body, dict):
        return None
    if collection.rstrip("/").endswith("intake-issues"):
        issue = body.get("issue")
        value = issue.get("id") if isinstance(issue, dict) else issue
    else:
        value = body.get("id") or body.get("asset_id")
    return str(value) if value else None


def _scrubbed(content: bytes, redactor: Redactor | None) -> bytes:
    """The body with any key the suite sent replaced (a server may echo it)."""
    if redactor is None or not content:
        return content
    text = content.decode("utf-8", "surrogateescape")
    clean = redactor.text(text) or ""
    return content if clean == text else clean.encode("utf-8", "surrogateescape")


def to_schemathesis_response(
    response: httpx.Response, elapsed: float, client: TargetClient | None = None
) -> Response:
    """An httpx response as schemathesis's checks want it: the key replaced by the stand-in in
    the request, and scrubbed from the answer's body and headers."""
    redactor = getattr(client, "redactor", None)  # test doubles of the client may have none
    headers: dict[str, list[str]] = {}
    for name, value in response.headers.multi_items():
        clean = redactor.text(value) if redactor is not None else value
        headers.setdefault(name.lower(), []).append(clean or "")
    return Response(
        status_code=response.status_code,
        headers=headers,
        content=_scrubbed(response.content, redactor),
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
        # Called with the detail path of every object a generated create made (see module doc).
        self.on_created: Callable[[str], None] | None = None

    def send(self, case: FuzzCase, *, session: object = None, **kwargs: object) -> Response:
        kwargs.pop("base_url", None)
        data = self.serialize_case(
            case, base_url="http://target.invalid" + self.base_path, **kwargs
        )
        url = urlsplit(data["url"])
        headers = {
            k: str(v)
            for k, v in data["headers"].items()
            if k.lower() not in DROPPED_HEADERS and k.lower() not in CREDENTIAL_HEADERS
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
        if data["method"].upper() == "POST" and 200 <= response.status_code < 300:
            self._created(url.path, response)
        return to_schemathesis_response(response, time.monotonic() - started, self.client)

    def _created(self, collection: str, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            return
        made = created_id(collection, body)
        if self.on_created is not None and made:
            self.on_created(f"{collection.rstrip('/')}/{made}/")


def _object(value: object) -> dict[str, object]:
    """A JSON object of the spec (an empty one where the spec has something else)."""
    return value if isinstance(value, dict) else {}


def _operations(raw: dict[str, object]) -> list[dict[str, object]]:
    return [
        operation
        for item in _object(raw.get("paths")).values()
        for operation in _object(item).values()
        if isinstance(operation, dict)
    ]


def with_page_statuses(raw: dict[str, object]) -> dict[str, object]:
    """The spec with each operation page's own success status documented beside the
    introduction's: where a page shows 200 for a create (Create a state, Add work items to a
    cycle...), the docs contradict themselves, and a server that follows either side is not
    refused (`x-docs-status`, set by conformance.spec.derive; STATUS-001 judges 201 vs 200)."""
    for operation in _operations(raw):
        responses = operation.get("responses")
        if not isinstance(responses, dict):
            continue
        for response in list(responses.values()):
            page = response.get("x-docs-status") if isinstance(response, dict) else None
            if page is not None and str(page) not in responses:
                responses[str(page)] = {k: v for k, v in response.items() if k != "x-docs-status"}
    return raw


# Query parameters whose values name fields, orderings or positions: a generated string names
# none of them (a cursor is only ever one the server handed out), and what a server does with an
# unknown one is the rule of their own areas (FIELD-003, EXP-002, ORD-003, PAG-012; Plane answers
# a bogus order_by, or a cursor of page size 0, with 500): the campaign leaves them out.
LEFT_TO_THEIR_AREAS = (
    "#/components/parameters/Fields",
    "#/components/parameters/Expand",
    "#/components/parameters/OrderBy",
    "#/components/parameters/Cursor",
)
# The pagination envelope's own fields are the pagination area's (PAG-001..003 judge their
# presence and types on every page walk); the campaign judges the objects in `results`.
ENVELOPE = "PaginatedResponse"
# Response fields where the docs contradict themselves, so a server that follows either side is
# not refused: (schema, property) -> (what either side allows, where the docs disagree).
EITHER_SIDE: dict[tuple[str, str], tuple[dict[str, object], str]] = {
    ("IntakeIssue", "issue"): (
        {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "object"}]},
        "the Intake overview documents `issue` as the work item's id; the pages' examples show "
        "the work item object",
    ),
    ("WorkItemLink", "metadata"): (
        {"type": ["object", "null"]},
        "the Link overview documents `metadata` as free-form JSON; the spec's inner fields come "
        "from a single example",
    ),
}


def for_campaign(raw: dict[str, object]) -> dict[str, object]:
    """The spec as the campaign judges it, so that one departure gets one verdict: the pages'
    own success statuses documented, name-valued query parameters and the pagination envelope
    left to their areas, either side of a docs contradiction accepted (see LEFT_TO_THEIR_AREAS,
    ENVELOPE, EITHER_SIDE, `with_page_statuses`)."""
    raw = with_page_statuses(raw)
    for operation in _operations(raw):
        parameters = operation.get("parameters")
        if isinstance(parameters, list):
            operation["parameters"] = [
                p
                for p in parameters
                if not (isinstance(p, dict) and p.get("$ref") in LEFT_TO_THEIR_AREAS)
            ]
    schemas = _object(_object(raw.get("components")).get("schemas"))
    for (name, field), (either, _why) in EITHER_SIDE.items():
        properties = _object(_object(schemas.get(name)).get("properties"))
        if field in properties:
            properties[field] = either
    envelope = schemas.get(ENVELOPE)
    if isinstance(envelope, dict):
        results = _object(envelope.get("properties")).get("results", {"type": "array"})
        envelope["properties"] = {"results": results}
        envelope["required"] = ["results"]
    return raw


def transport_of(schema: OpenApiSchema) -> TargetTransport:
    transport = schema.transport
    assert isinstance(transport, TargetTransport), "the schema is not bound to a target client"
    return transport


def load_schema(path: Path, client: TargetClient) -> OpenApiSchema:
    """The OpenAPI description as a schemathesis schema whose every request uses `client`."""
    # our own (cached) parse of the file; a fresh copy, as schemathesis may change it
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ValueError(f"{path} is not an OpenAPI description")
    schema = schemathesis.openapi.from_dict(for_campaign(raw))
    servers = schema.raw_schema.get("servers") or [{"url": ""}]
    transport = TargetTransport(client, urlsplit(servers[0].get("url", "")).path)
    base = type(schema)
    # The transport is a property of the schema class; a subclass keeps it across schema clones.
    bound = type(
        f"TargetBound{base.__name__}", (base,), {"transport": property(lambda _: transport)}
    )
    schema.__class__ = bound
    return schema

"""JSON responses, API errors and the status-code rules (201 create, 204 delete, 404 unknown).

Faults here break the success and error status codes and the JSON media type.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault

CREATE_RETURNS_200 = declare_fault(
    "create-returns-200",
    ("STATUS-001", "SCHEMA-001"),
    "POST that creates a resource answers 200 instead of 201",
)
DELETE_RETURNS_BODY = declare_fault(
    "delete-returns-body",
    ("STATUS-005", "SCHEMA-001"),
    "DELETE answers 200 with the deleted object",
)
NOT_FOUND_500 = declare_fault(
    "not-found-500", ("STATUS-006", "STATUS-010"), "an unknown object id answers 500, not 404"
)
WRONG_CONTENT_TYPE = declare_fault(
    "wrong-content-type", ("HTTP-001",), "JSON bodies are sent as text/plain"
)
UNKNOWN_ROUTE_200 = declare_fault(
    "unknown-route-200", ("STATUS-007",), "an unrecognised URL answers 200 with an empty object"
)
METHOD_NOT_ALLOWED_200 = declare_fault(
    "method-not-allowed-200", ("HTTP-002",), "a method the path does not offer answers 200"
)

JSON_TYPE = "application/json"


class ApiError(Exception):
    """Raised anywhere in a handler; turned into a JSON error response by the app."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def bad_request(message: str, **extra: Any) -> ApiError:
    return ApiError(400, {"error": message, **extra})


def server_error() -> ApiError:
    """The 500 Plane answers where its own code fails (its exception handler's words)."""
    return ApiError(500, {"error": "Something went wrong please try again later"})


def field_errors(errors: dict[str, list[str]]) -> ApiError:
    """400 naming every offending field, each with its messages (DRF style, as Plane does)."""
    return ApiError(400, dict(errors))


def not_found(what: str, config: ServerConfig) -> ApiError:
    if config.has(NOT_FOUND_500.name):
        return ApiError(500, {"error": "Internal server error"})
    return ApiError(404, {"error": f"{what} not found"})


def encode(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def json_response(
    data: Any, config: ServerConfig, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    media = "text/plain" if config.has(WRONG_CONTENT_TYPE.name) else JSON_TYPE
    return Response(encode(data), status_code=status, media_type=media, headers=headers)


def created(data: Any, config: ServerConfig) -> Response:
    return json_response(data, config, 200 if config.has(CREATE_RETURNS_200.name) else 201)


def deleted(data: Any, config: ServerConfig) -> Response:
    if config.has(DELETE_RETURNS_BODY.name):
        return json_response(data, config, 200)
    return Response(status_code=204)


def unknown_route(config: ServerConfig) -> Response:
    if config.has(UNKNOWN_ROUTE_200.name):
        return json_response({}, config, 200)
    return json_response({"error": "Not found"}, config, 404)


def method_not_allowed(config: ServerConfig, allowed: str) -> Response:
    if config.has(METHOD_NOT_ALLOWED_200.name):
        return json_response({}, config, 200)
    return json_response({"error": "Method not allowed"}, config, 405, headers={"Allow": allowed})

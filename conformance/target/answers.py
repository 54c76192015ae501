"""Reading an answer the way every layer above needs it: its JSON (or None), its object (or
None), and one line that says what was asked and what came back (for messages and reasons)."""

from __future__ import annotations

from typing import Any

import httpx

BODY_IN_MESSAGES = 200  # characters of a body quoted in a message


def json_of(response: httpx.Response) -> Any:
    """The body as JSON, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def object_of(response: httpx.Response) -> dict[str, Any] | None:
    """The body when it is a JSON object, else None."""
    body = json_of(response)
    return body if isinstance(body, dict) else None


def describe(response: httpx.Response, limit: int = BODY_IN_MESSAGES) -> str:
    """'POST /api/v1/... answered 400: {...}': the request and the answer, in one line."""
    request = response.request
    return (
        f"{request.method} {request.url.path} answered {response.status_code}: "
        f"{response.text[:limit]}"
    )

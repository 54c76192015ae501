"""Reading a refusal's words: only a JSON error body has a message to read.

The rules that a refusal *names* something (the unknown field, the maximum, the offending body
field) read the error message. When the refusal is not JSON, that is STATUS-009's departure, once;
these rules then have no message to read and are not verified, never failed for the same cause.
"""

from __future__ import annotations

import httpx

from conformance.outcomes import NotVerified


def require_json_refusal(response: httpx.Response, what: str) -> None:
    """Raise NotVerified when `response` is a 4xx whose body is not JSON."""
    if not 400 <= response.status_code < 500:
        return
    try:
        response.json()
    except ValueError:
        raise NotVerified(
            f"{what} answered {response.status_code} with a body that is not JSON "
            f"({response.text[:80]!r}): no message to read (judged by STATUS-009)"
        ) from None

"""Reading a refusal: what it answers, and its words (only a JSON error body has a message).

The rules that a refusal *names* something (the unknown field, the maximum, the offending body
field) read the error message. When the refusal is not JSON, that is STATUS-009's departure, once;
these rules then have no message to read and are not verified, never failed for the same cause.
A rule that something is refused reads what the refusal is about (`require_refusal_of`).
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from conformance.outcomes import NotVerified
from conformance.target.client import TargetClient
from conformance.target.dialect import error_fields


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


def require_refusal_of(
    client: TargetClient, response: httpx.Response, what: str, probed: Iterable[str]
) -> None:
    """Raise NotVerified when `response` is no refusal of what the probe was about.

    A refusal check reads the refusal: a 404 like the target's answer to a URL it does not route
    is CAP-001's (the operation is missing), never a body rule's; a 400 whose error object names
    only fields other than those `probed` (`{"owned_by": ["This field is required."]}` for a
    cycle ending before it starts) was refused for another reason and verifies nothing here.
    """
    if client.routes.looks_unrouted(response):
        raise NotVerified(
            f"{what} answered {response.status_code} like a URL the target does not route "
            f"({response.text[:80]!r}): the operation is missing (judged by CAP-001)"
        )
    named = error_fields(response.text) if response.status_code == 400 else []
    wanted = set(probed)
    if named and not wanted & set(named):
        raise NotVerified(
            f"{what} was refused for {', '.join(named)}, not for {', '.join(sorted(wanted))} "
            f"({response.text[:120]!r}): the rule probed was never reached"
        )

"""OAuth access tokens: `Authorization: Bearer <token>` (API introduction, "Using an OAuth Token").

The server issues one token (`ServerConfig.access_token`, for the workspace admin's user, as a
Plane app the admin authorised) with the scopes `--token-scopes` grants (every scope by default).
A token authenticates like the admin's key, but only for the operations its scopes cover: each
operation needs the scopes its docs page names, read from the derived spec (`x-scopes`,
conformance.spec.scopes), never a hand list. Outside them the answer is 403 with a message and
none of the operation's data (the docs give no status for it: 403 is OAuth's, RFC 6750 3.1).

An unknown token is an authentication failure: 401, like an unknown key. With Plane's releases
(`bearer-tokens-unread`) the header is not read at all, as open-source Plane does on /api/v1/.
"""

from __future__ import annotations

import json

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.rules.errors import encode
from conformance.spec.scopes import grants, operation_for

BEARER_UNREAD = declare_behaviour(
    "bearer-tokens-unread",
    DEPARTURE,
    "the Authorization header is not read: an access token is answered as no credential at all "
    "(401 'Authentication credentials were not provided.'); the docs let an OAuth app's token "
    "authenticate",
    releases=ALL_RELEASES,
)
BEARER_UNCHECKED = declare_fault(
    "bearer-token-unchecked",
    ("AUTH-011",),
    "any bearer token is served as the issued one (an unknown token answers like a valid one)",
)
IGNORED_ON_ACTIVITIES = declare_fault(
    "bearer-ignored-on-activities",
    ("AUTH-009",),
    "the work item activity routes do not read the Authorization header: a valid token answers "
    "401 there, as no credential",
    run_with=("--auth", "bearer", "--profile", "standard"),
)
SCOPES_NOT_ENFORCED = declare_fault(
    "scopes-not-enforced",
    ("AUTH-010",),
    "a token may do every operation, whatever its scopes",
    run_with=("--auth", "bearer", "--token-scopes", "*:read"),
)
REFUSAL_LEAKS = declare_fault(
    "scope-refusal-leaks-data",
    ("AUTH-010",),
    "a scope refusal (403) carries the operation's answer in its body",
    run_with=("--auth", "bearer", "--token-scopes", "*,-workspaces.members:read"),
)

INVALID_TOKEN_MESSAGE = "Authentication failed: the access token is invalid or expired."
_BEARER = "bearer "


def bearer_token(authorization: str | None, path: str, config: ServerConfig) -> str | None:
    """The token of an `Authorization: Bearer` header the server reads (None: not a token)."""
    if authorization is None or not authorization.lower().startswith(_BEARER):
        return None
    if config.follows(BEARER_UNREAD):
        return None
    if config.has(IGNORED_ON_ACTIVITIES.name) and "/activities/" in path:
        return None
    return authorization[len(_BEARER) :].strip()


def check_token(token: str, config: ServerConfig) -> str | None:
    """None when the token may proceed, else the 401 message."""
    if config.access_token and token == config.access_token:
        return None
    if token and config.has(BEARER_UNCHECKED.name):
        return None
    return INVALID_TOKEN_MESSAGE


def missing_scope(config: ServerConfig, method: str, path: str) -> str | None:
    """The scopes a token's request lacks, in words (None: its scopes cover the operation)."""
    if config.token_scopes is None or config.has(SCOPES_NOT_ENFORCED.name):
        return None
    operation = operation_for(method, path)
    if operation is None or grants(config.token_scopes, operation.requirement):
        return None
    return " or ".join(operation.requirement)


def refusal_body(needs: str, answer: bytes = b"") -> bytes:
    """The 403 of a scope refusal; with REFUSAL_LEAKS, `answer` (the operation's own) inside."""
    body: dict[str, object] = {
        "detail": f"The access token does not hold the scope this operation needs ({needs})."
    }
    try:
        data = json.loads(answer) if answer else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        body = {**data, **body}
    elif isinstance(data, list):
        body["results"] = data
    return encode(body)

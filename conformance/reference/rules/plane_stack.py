"""What Plane's Django stack does in front of its views, as behaviours the gateway can take on:
Django's APPEND_SLASH redirect, the API-token check's 403, and rate-limit headers only where
Plane's throttle ran. The reference follows the docs by default (a slashless URL is served, an
invalid key answers 401, every authenticated answer carries the headers).
"""

from __future__ import annotations

import re

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.config import ServerConfig

SLASHLESS_REDIRECT = declare_behaviour(
    "slashless-redirect",
    DEPARTURE,
    "a URL without the trailing slash whose slashed form is routed answers 301 to it (any "
    "method, with or without a key: Django's APPEND_SLASH), an empty text/html body; the docs "
    "write every path with the slash and say nothing of the other spelling",
    releases=ALL_RELEASES,
)
INVALID_KEY_403 = declare_behaviour(
    "invalid-key-403",
    DEPARTURE,
    'an unknown (or inactive, or expired) key answers 403 {"detail": "Given API token is not '
    'valid"}; the docs answer an authentication failure with 401',
    releases=ALL_RELEASES,
)
RATE_HEADERS_WHERE_THROTTLED = declare_behaviour(
    "rate-headers-where-throttled",
    DEPARTURE,
    "answers of the stickies and invitations views (which have no API throttle) and refusals "
    "of a permission check (403, before the throttle runs) carry no X-RateLimit-* headers; the "
    "docs put them on every answer",
    releases=ALL_RELEASES,
)

INVALID_KEY_BODY = {"detail": "Given API token is not valid"}
_UNTHROTTLED = re.compile(r"^/api/v1/workspaces/[^/]+/(stickies|invitations)/")


def redirects_slashless(config: ServerConfig, raw_path: str) -> bool:
    return not raw_path.endswith("/") and config.follows(SLASHLESS_REDIRECT)


def slashed_location(raw_path: str, query: bytes) -> bytes:
    """Django's Location: the slashed path and the query string, relative to the host."""
    return (raw_path + "/").encode() + (b"?" + query if query else b"")


def invalid_key_status(config: ServerConfig) -> int:
    return 403 if config.follows(INVALID_KEY_403) else 401


def rate_headers_apply(config: ServerConfig, path: str, status: int) -> bool:
    """Whether an authenticated answer carries the rate-limit headers."""
    if not config.follows(RATE_HEADERS_WHERE_THROTTLED):
        return True
    return status != 403 and not _UNTHROTTLED.match(path)

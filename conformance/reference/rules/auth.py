"""Authentication by X-API-Key: missing or empty key → 401 'required', unknown key → 401 'failed'.

The key belongs to one workspace; any other workspace slug answers 404 (see app.py), so a key
never learns whether another workspace exists.
"""

from __future__ import annotations

from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault

MISSING_KEY_ACCEPTED = declare_fault(
    "auth-missing-key-accepted",
    ("AUTH-002", "AUTH-006", "AUTH-007"),  # no refusal: AUTH-003 has nothing to read
    "requests without a key (or with an empty one) are served",
)
EMPTY_KEY_ACCEPTED = declare_fault(
    "auth-empty-key-accepted", ("AUTH-006",), "an empty X-API-Key header is served"
)
INVALID_KEY_ACCEPTED = declare_fault(
    "auth-invalid-key-accepted", ("AUTH-004",), "any non-empty key is served"
)
NOT_JSON_401 = declare_fault(
    "auth-401-not-json",
    ("AUTH-003", "AUTH-005", "STATUS-009", "HTTP-001"),
    "401 answers carry a plain-text body",
)
SILENT_401 = declare_fault(
    "auth-401-without-message",
    ("AUTH-003", "AUTH-005"),
    '401 answers carry a JSON body with no message ({"status": 401})',
)
KEY_HEADER_CASE_SENSITIVE = declare_fault(
    "auth-header-case-sensitive",
    ("AUTH-008",),
    "the key is read only from a header spelled exactly X-API-Key",
)

MISSING_MESSAGE = "Authentication credentials were not provided."
INVALID_MESSAGE = "Authentication failed: the API key is invalid or expired."


def case_sensitive_header_name(raw: bytes) -> bytes:
    """Under KEY_HEADER_CASE_SENSITIVE, the name a header spelled `raw` on the wire is seen under.

    HTTP header names are case-insensitive and the ASGI server lower-cases them before the gateway
    sees them, so the fault has to act on the raw name: any spelling of the key header other than
    X-API-Key is renamed, and the gateway no longer finds the key in it.
    """
    if raw != b"X-API-Key" and raw.lower() == b"x-api-key":
        return b"x-api-key-miscased"
    return raw


# The scope entry where the gateway leaves the caller's role for the handlers.
CALLER = "plane.caller"
ADMIN, MEMBER, GUEST = "admin", "member", "guest"


def role_of(presented: str | None, config: ServerConfig) -> str:
    """Whose key it is: the member's or the guest's key, else the admin's (the server's own key,
    and whatever a fault lets through)."""
    if presented is not None and presented == config.member_api_key:
        return MEMBER
    if presented is not None and presented == config.guest_api_key:
        return GUEST
    return ADMIN


def check_key(presented: str | None, config: ServerConfig) -> str | None:
    """None when the request may proceed, else the 401 message to answer with."""
    if presented is None or presented.strip() == "":
        if config.has(MISSING_KEY_ACCEPTED.name):
            return None
        if presented is not None and config.has(EMPTY_KEY_ACCEPTED.name):
            return None
        return MISSING_MESSAGE
    known = presented == config.api_key or role_of(presented, config) != ADMIN
    if not known and not config.has(INVALID_KEY_ACCEPTED.name):
        return INVALID_MESSAGE
    return None


def unauthorized_body(message: str, config: ServerConfig) -> tuple[bytes, str]:
    """The 401 body and its media type."""
    if config.has(NOT_JSON_401.name):
        return message.encode(), "text/plain; charset=utf-8"
    from conformance.reference.rules.errors import encode

    if config.has(SILENT_401.name):
        return encode({"status": 401}), "application/json"
    return encode({"detail": message}), "application/json"

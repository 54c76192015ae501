"""The hostile-server harness: evasions (faults) and legitimate variations applied at the gateway.

A rewriting proxy in front of a correct server is how a reviewer found verdicts that were wrong in
either direction; these switches are that proxy, built in. Each acts on a whole request or on a
finished answer, so the rules behind the gateway stay untouched:

* faults (must be caught): a dropped connection instead of a 400, HTML error bodies, rate-limit
  headers on some answers only, an operation missing behind 404s that name the path;
* obstacles (a fault whose run must end *incomplete*, exit 3, never 0): a 403 on a prerequisite,
  as Plane answers a guest's key; and the process exiting mid-run (the run is *aborted*, exit 2);
* variations (must pass clean): 404 bodies naming the path, a redirect on a GET without the
  trailing slash, timestamps to the second, a state create answering 200 as its page documents.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.variations import declare_variation

Header = tuple[bytes, bytes]
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})

DROPS_ON_INVALID_BODY = declare_fault(
    "invalid-body-drops-connection",
    ("STATUS-010",),
    "a write whose body is refused loses its connection (no answer) instead of getting a 400",
)
ERRORS_AS_HTML = declare_fault(
    "validation-error-html",
    ("STATUS-009", "HTTP-001"),
    "400 answers are an HTML page (text/html), not JSON",
)
RATE_HEADERS_PARTIAL = declare_fault(
    "ratelimit-headers-partial",
    ("RATE-001", "RATE-002", "SCHEMA-003"),
    "rate-limit headers on workspace-level answers only, none on anything inside a project",
)
ACTIVITY_DETAIL_UNROUTED = declare_fault(
    "activity-detail-unrouted",
    ("CAP-001",),
    "the work-item activity detail is not routed, and unrouted URLs answer 404 with the path in "
    "the body (so no two 404 bodies are alike)",
)
AUTH_FIRST_ACTIVITY_UNROUTED = declare_fault(
    "auth-first-activity-unrouted",
    ("CAP-001",),
    "the server authenticates before it routes (a keyless unrouted URL answers 401), the "
    "work-item activity detail is not routed, and 404 bodies name the path",
)
PROJECT_CREATE_FORBIDDEN = declare_fault(
    "project-create-forbidden",
    (),
    "creating a project answers 403, as Plane answers a guest's key: the run is incomplete",
    expect="incomplete",
)
MEMBERS_FORBIDDEN = declare_fault(
    "members-list-forbidden",
    (),
    "GET members/ answers 403, as Plane answers a guest's key: the run is incomplete",
    expect="incomplete",
)
EXIT_AFTER = 150  # API requests: well inside a quick run of every area (about 700)
EXITS_MID_RUN = declare_fault(
    "server-exits-mid-run",
    (),
    f"the server process exits after {EXIT_AFTER} API requests: the run is aborted",
    expect="aborted",
)

NOT_FOUND_NAMES_PATH = declare_variation(
    "not-found-names-path", "an unrouted URL answers 404 with its own path in the body"
)
SLASHLESS_GET_REDIRECT = declare_variation(
    "slashless-get-redirect",
    "a GET without the trailing slash answers 301 to the slashed URL (Django's APPEND_SLASH, "
    "as Plane does); writes are still served directly",
)
SECOND_TIMESTAMPS = declare_variation(
    "second-resolution-timestamps", "timestamps to the second, without a fraction"
)

FORBIDDEN = {"detail": "You do not have permission to perform this action."}  # Plane's words
_ACTIVITY_DETAIL = re.compile(
    r"^/api/v1/workspaces/[^/]+/projects/[^/]+/work-items/[^/]+/activities/[^/]+/$"
)
_INSIDE_PROJECT = re.compile(r"^/api/v1/workspaces/[^/]+/projects/[^/]+/[^/]+")
_PROJECTS = re.compile(r"^/api/v1/workspaces/[^/]+/projects/$")
_MEMBERS = re.compile(r"^/api/v1/workspaces/[^/]+/members/$")
_STATES = re.compile(r"^/api/v1/workspaces/[^/]+/projects/[^/]+/states/$")
_FRACTION = re.compile(rb'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.\d+')
HTML_400 = b"<!doctype html><html><body><h1>Bad Request (400)</h1></body></html>"


@dataclass
class Answer:
    """A whole answer, held back by the gateway until every rewrite has had its say."""

    status: int
    headers: list[Header] = field(default_factory=list)
    body: bytes = b""
    drop: bool = False  # send the status line, then lose the connection

    def media(self) -> bytes:
        return next((v for k, v in self.headers if k.lower() == b"content-type"), b"")

    def set_header(self, name: bytes, value: bytes) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name] + [(name, value)]


def json_answer(status: int, data: object) -> Answer:
    return Answer(status, [(b"content-type", b"application/json")], json.dumps(data).encode())


def unrouted(config: ServerConfig, path: str) -> Answer | None:
    """The 404 for an unrouted URL, when a switch wants one that names the path (else None)."""
    if (
        config.varies(NOT_FOUND_NAMES_PATH)
        or config.has(ACTIVITY_DETAIL_UNROUTED.name)
        or config.has(AUTH_FIRST_ACTIVITY_UNROUTED.name)
    ):
        return json_answer(404, {"error": f"No route matches {path}", "path": path})
    return None


def hides_route(config: ServerConfig, path: str) -> bool:
    """Whether a routed operation is to be answered as if it were not routed."""
    hidden = config.has(ACTIVITY_DETAIL_UNROUTED.name) or config.has(
        AUTH_FIRST_ACTIVITY_UNROUTED.name
    )
    return hidden and bool(_ACTIVITY_DETAIL.match(path))


def authenticates_first(config: ServerConfig) -> bool:
    """Whether the key is checked before the URL is routed (an unrouted URL then answers 401)."""
    return config.has(AUTH_FIRST_ACTIVITY_UNROUTED.name)


def redirect(config: ServerConfig, method: str, raw_path: str, query: bytes) -> Answer | None:
    """A 301 to the slashed URL for a slashless GET, under the variation (else None)."""
    if method != "GET" or raw_path.endswith("/") or not config.varies(SLASHLESS_GET_REDIRECT):
        return None
    location = (raw_path + "/").encode() + (b"?" + query if query else b"")
    # Django's redirect: an empty text/html body; a 3xx body is the web server's, not the API's.
    return Answer(301, [(b"content-type", b"text/html; charset=utf-8"), (b"location", location)])


def refusal(config: ServerConfig, method: str, path: str) -> Answer | None:
    """A 403 on a prerequisite (a guest key's answers), under its obstacle (else None)."""
    if method == "POST" and _PROJECTS.match(path) and config.has(PROJECT_CREATE_FORBIDDEN.name):
        return json_answer(403, FORBIDDEN)
    if method == "GET" and _MEMBERS.match(path) and config.has(MEMBERS_FORBIDDEN.name):
        return json_answer(403, FORBIDDEN)
    return None


def exits_now(config: ServerConfig, requests_served: int) -> bool:
    return config.has(EXITS_MID_RUN.name) and requests_served >= EXIT_AFTER


def keeps_rate_headers(config: ServerConfig, path: str) -> bool:
    return not (config.has(RATE_HEADERS_PARTIAL.name) and _INSIDE_PROJECT.match(path))


def rewrites(config: ServerConfig) -> bool:
    """Whether answers must be held back for `rewrite` (costs a copy; off on a clean server)."""
    return (
        config.has(DROPS_ON_INVALID_BODY.name)
        or config.has(ERRORS_AS_HTML.name)
        or config.varies(SECOND_TIMESTAMPS)
    )


def rewrite(config: ServerConfig, method: str, path: str, answer: Answer) -> Answer:
    if answer.status == 400 and method in WRITES and config.has(DROPS_ON_INVALID_BODY.name):
        answer.drop = True
        return answer
    if answer.status == 400 and config.has(ERRORS_AS_HTML.name):
        answer.body = HTML_400
        answer.set_header(b"content-type", b"text/html; charset=utf-8")
    if config.varies(SECOND_TIMESTAMPS) and b"json" in answer.media():
        answer.body = _FRACTION.sub(rb'"\1', answer.body)
    return answer

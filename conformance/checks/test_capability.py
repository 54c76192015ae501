"""The capability matrix: which documented operations the target serves (CAP-001, CAP-002).

One probe per operation of the core spec and the cloud spec, told apart from a URL the target
does not route, without ever changing anything:

* **Keyless probes** (when the target routes before it authenticates, as Plane does: a keyless
  request to a surely-unrouted URL answers 404). Every operation is probed *without the key*, with
  random ids for every object and no body: a routed operation answers 401 (or 403) before it reads
  anything, an unrouted URL 404 like the surely-unrouted ones. No probe carries the key, so no
  write can reach anything, workspace-wide ones (members/remove, invitations, features) included.
* **Keyed GETs** otherwise (the target authenticates first, so a keyless answer says nothing):
  GETs carry the key, under the scratch project with random ids; a 404 is absent when its body is
  the surely-unrouted URL's once the request path is taken out of both (most frameworks and
  gateways name the path in their 404). Writes are then not probed at all: not verified.

A 405 means the path does not offer the method (absent); a 402 means plan-gated. Each probe adds
a row to RunResult.capabilities. The quick profile probes the core GET operations of the
work-items/ spelling; the other operations are not selected there.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from conformance.outcomes import Blocked, NotApplicable, NotSelected, NotVerified, SetupRefused
from conformance.spec.openapi import Operation, load_openapi, operations
from conformance.spec.paths import openapi_path
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchError, ScratchResources
from conformance.target.unrouted import NOWHERE
from conformance.target.unrouted import without_path as unrouted_text

CLOUD_SPEC = openapi_path().with_name("plane-v1-cloud.openapi.yaml")
PARAM = re.compile(r"\{([^}]+)\}")
ROUTED_STATUSES = (401, 403)  # a keyless request to a routed operation


@functools.cache
def documented_operations() -> tuple[Operation, ...]:
    """Core operations, then cloud-only ones (a cloud entry that is also core counts as core).

    Cached: both tests of this module are parametrized from it, in every pytest process."""
    core = operations()
    seen = {(op.method, op.path) for op in core}
    cloud = operations(load_openapi(CLOUD_SPEC)) if CLOUD_SPEC.exists() else []
    return (*core, *(op for op in cloud if (op.method, op.path) not in seen and not op.core))


def sampled(op: Operation, profile: str) -> bool:
    """Whether the profile probes this operation (quick: core GETs of the work-items/ spelling)."""
    return profile != "quick" or (op.core and op.method == "GET" and not op.alias_of)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" not in metafunc.fixturenames:
        return
    core = metafunc.function.__name__ == "test_core"
    ops = [op for op in documented_operations() if op.core == core]
    metafunc.parametrize("operation", ops, ids=[f"{op.method} {op.path}" for op in ops])


def fill_path(op: Operation, workspace: str, project: tuple[str, str] | None = None) -> str:
    """The probe URL: the real workspace, random ids (the scratch project's for a keyed GET)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "workspace_slug":
            return workspace
        if name == "project_id" and project is not None:
            return project[0]
        if name == "project_identifier":
            return (project[1] if project else "") or "PLCZZ"
        if name == "issue_identifier":
            return "999999"
        return str(uuid.uuid4())

    return PARAM.sub(value, op.path)


def without_path(response: httpx.Response) -> str:
    """The body with the request's path (with and without its slash) taken out."""
    return unrouted_text(response.text, response.request.url.path)


@dataclass(frozen=True)
class Unrouted:
    """How this target answers URLs it surely does not route, for one way of probing."""

    statuses: tuple[int, ...]
    bodies: tuple[str, ...]  # with the path taken out

    @property
    def all_404(self) -> bool:
        return bool(self.statuses) and all(s == 404 for s in self.statuses)

    @property
    def stable(self) -> bool:
        """Two unrouted URLs give one body once their paths are taken out: comparable."""
        return len(set(self.bodies)) == 1

    def looks_like(self, response: httpx.Response) -> bool:
        return self.stable and without_path(response) == self.bodies[0]


class Routing:
    """The unrouted answers, asked once per module: keyless (any method) and keyed (GET)."""

    def __init__(self, client: TargetClient) -> None:
        self.client = client
        self._seen: dict[tuple[str, bool], Unrouted] = {}

    def unrouted(self, method: str, *, key: bool) -> Unrouted:
        if (method, key) not in self._seen:
            paths = [self.client.ws(f"{NOWHERE}/"), f"/api/v1/{NOWHERE}/x/"]
            answers = [self.client.request(method, p, key=key) for p in paths]
            self._seen[(method, key)] = Unrouted(
                tuple(a.status_code for a in answers), tuple(without_path(a) for a in answers)
            )
        return self._seen[(method, key)]

    @property
    def keyless(self) -> bool:
        """Whether the target routes before it authenticates (keyless probes can tell)."""
        return self.unrouted("GET", key=False).all_404


@pytest.fixture(scope="module")
def routing(client: TargetClient) -> Routing:
    return Routing(client)


@dataclass(frozen=True)
class Probe:
    status: str  # served | absent | plan-gated | unknown
    detail: str


def classify(response: httpx.Response, unrouted: Unrouted, *, keyless: bool) -> Probe:
    code = response.status_code
    how = "without the key" if keyless else "with the key"
    if keyless and code in ROUTED_STATUSES:
        return Probe("served", f"{code} {how}: routed, it asks for the key before anything else")
    if code == 402:
        return Probe("plan-gated", f"402 {how}: the plan does not include it")
    if code == 405:
        return Probe("absent", f"405 {how}: the path does not offer this method")
    if code == 404:
        if unrouted.looks_like(response):
            return Probe("absent", f"404 {how}, like a surely-unrouted URL (path aside)")
        if unrouted.stable:
            return Probe("served", f"404 {how}, unlike a surely-unrouted URL: routed, no object")
        return Probe(
            "unknown",
            f"404 {how}, and this target's 404 bodies differ from one unrouted URL to the next, "
            "so a routed 404 cannot be told from an unrouted one",
        )
    return Probe("served", f"answered {code} {how}")


def probe(
    operation: Operation,
    client: TargetClient,
    target: TargetConfig,
    routing: Routing,
    scratch: ScratchResources,
) -> Probe:
    """Send the one probe of `operation` (see the module docstring), or say why none was sent."""
    if routing.keyless:
        path = fill_path(operation, target.workspace)
        response = client.request(operation.method, path, key=False)
        return classify(response, routing.unrouted(operation.method, key=False), keyless=True)
    unrouted = routing.unrouted("GET", key=False)
    why = (
        f"the target authenticates before it routes (a keyless request to a surely-unrouted URL "
        f"answered {', '.join(map(str, unrouted.statuses))})"
    )
    if operation.method != "GET":
        return Probe("unknown", f"{why}; writes are never probed with the key")
    try:
        project = (scratch.project_id, scratch.identifier)
    except (SetupRefused, ScratchError) as refused:  # no scratch project: no keyed GET to place
        raise Blocked(f"{why}, and keyed GETs need the scratch project: {refused}") from None
    response = client.request("GET", fill_path(operation, target.workspace, project))
    keyed = classify(response, routing.unrouted("GET", key=True), keyless=False)
    if keyed.status == "served" and response.status_code in ROUTED_STATUSES:
        return Probe("served", f"{response.status_code} with the key: routed, the key may not")
    return keyed


@pytest.fixture
def probed(
    operation: Operation,
    client: TargetClient,
    target: TargetConfig,
    routing: Routing,
    scratch: ScratchResources,
    request: pytest.FixtureRequest,
) -> Probe:
    """The probe of `operation`, and its row of RunResult.capabilities."""
    if not sampled(operation, target.profile):
        raise NotSelected("quick profile: only the core GET operations are probed")
    if target.read_only and operation.method != "GET":
        raise NotSelected("read-only mode: writes are not probed")
    found = probe(operation, client, target, routing, scratch)
    row: dict[str, Any] = {
        "operation": operation.operation_id,
        "method": operation.method,
        "path": operation.path,
        "status": found.status,
        "detail": found.detail,
        "core": operation.core,
    }
    request.node.user_properties.append(("capabilities", [row]))
    return found


@pytest.mark.requirement("CAP-001")
def test_core(operation: Operation, probed: Probe) -> None:
    """A documented core operation is routed."""
    assert probed.status != "absent", (
        f"core operation {operation.method} {operation.path} is absent: {probed.detail}"
    )
    if probed.status == "plan-gated":
        raise Blocked(probed.detail)
    if probed.status == "unknown":
        raise NotVerified(probed.detail)


@pytest.mark.requirement("CAP-002")
def test_cloud(probed: Probe) -> None:
    """A commercial-edition operation is served, or not applicable with what the target said."""
    if probed.status == "unknown":
        raise NotVerified(probed.detail)
    if probed.status != "served":
        raise NotApplicable(f"{probed.status}: {probed.detail}")

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
a row to RunResult.capabilities. The quick profile probes the core GET operations; the other
operations are not selected there. Every probe sends the documented path as written: where the
target routes only an older spelling of it (Plane v1.0.0's `issues/`), the documented operation
is absent, judged here once, while every other check goes through the routed spelling
(conformance/target/routes.py).
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from conformance.outcomes import Blocked, NotApplicable, NotSelected, NotVerified, SetupRefused
from conformance.spec.openapi import Operation, load_openapi, operations
from conformance.spec.paths import openapi_path
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchError, ScratchResources
from conformance.target.unrouted import (
    ROUTED_STATUSES,
    Probe,
    Unrouted,
    classify,
    fill_path,
    nowhere_paths,
)

CLOUD_SPEC = openapi_path().with_name("plane-v1-cloud.openapi.yaml")


@functools.cache
def documented_operations() -> tuple[Operation, ...]:
    """Core operations, then cloud-only ones (a cloud entry that is also core counts as core).
    The older `issues/` spellings the spec carries are no documented operations (Plane's URL
    configuration keeps them; no docs page names them): the run's route map reports whether
    they are routed, as information (results.json "routes").

    Cached: both tests of this module are parametrized from it, in every pytest process."""
    core = [op for op in operations() if not op.alias_of]
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


class Routing:
    """The unrouted answers, asked once per module and method: keyless (any method) and keyed
    (GET). The GET answers come from the run's route map, which asked them already."""

    def __init__(self, client: TargetClient) -> None:
        self.client = client
        self._seen: dict[tuple[str, bool], Unrouted] = {}
        routes = client.routes
        for key, known in ((False, routes.keyless), (True, routes.keyed)):
            if known is not None:
                self._seen[("GET", key)] = known

    def unrouted(self, method: str, *, key: bool) -> Unrouted:
        if (method, key) not in self._seen:
            paths = nowhere_paths(self.client.workspace)
            answers = [self.client.request(method, p, key=key, as_written=True) for p in paths]
            self._seen[(method, key)] = Unrouted.of(answers)
        return self._seen[(method, key)]

    @property
    def keyless(self) -> bool:
        """Whether the target routes before it authenticates (keyless probes can tell)."""
        return self.unrouted("GET", key=False).all_404


@pytest.fixture(scope="module")
def routing(client: TargetClient) -> Routing:
    return Routing(client)


def probe(
    operation: Operation,
    client: TargetClient,
    target: TargetConfig,
    routing: Routing,
    scratch: ScratchResources,
) -> Probe:
    """Send the one probe of `operation` (see the module docstring), or say why none was sent."""
    if routing.keyless:
        # The documented path itself, never the spelling the route map sends checks to.
        path = fill_path(operation.path, target.workspace)
        response = client.request(operation.method, path, key=False, as_written=True)
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
    path = fill_path(operation.path, target.workspace, project)
    response = client.request("GET", path, as_written=True)
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

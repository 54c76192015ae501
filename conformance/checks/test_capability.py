"""The capability matrix: which documented operations the target serves (CAP-001, CAP-002).

One harmless probe per operation of the core spec and the cloud spec. GETs use the scratch
project and random ids; writes carry a JSON array (never a valid body) and random ids for every
object in the path, so nothing can change; DELETEs only name random ids. Read-only runs send GETs
only. A probe answered like a surely-unrouted URL (same 404 body) or with 405 means the operation
is absent; 401/403 mean it exists but the key may not use it; 402 means it is plan-gated.

Every probe adds a row to RunResult.capabilities. The quick profile probes the core GET
operations of the work-items/ spelling; standard and full probe every operation.
"""

from __future__ import annotations

import functools
import re
import uuid
from typing import Any

import pytest

from conformance.checks._integrator import json_of
from conformance.outcomes import Blocked, NotApplicable, NotSelected
from conformance.spec.openapi import Operation, load_openapi, operations
from conformance.spec.paths import openapi_path
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

CLOUD_SPEC = openapi_path().with_name("plane-v1-cloud.openapi.yaml")
PARAM = re.compile(r"\{([^}]+)\}")
NOWHERE = "plc-no-such-route-4f1c"  # a path segment no Plane version routes


@functools.cache
def documented_operations() -> tuple[Operation, ...]:
    """Core operations, then cloud-only ones (a cloud entry that is also core counts as core).

    Cached: both tests of this module are parametrized from it, in every pytest process."""
    core = operations()
    seen = {(op.method, op.path) for op in core}
    cloud = operations(load_openapi(CLOUD_SPEC)) if CLOUD_SPEC.exists() else []
    return (*core, *(op for op in cloud if (op.method, op.path) not in seen and not op.core))


def selected(profile: str) -> list[Operation]:
    ops = documented_operations()
    if profile == "quick":
        return [op for op in ops if op.core and op.method == "GET" and not op.alias_of]
    return list(ops)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" not in metafunc.fixturenames:
        return
    try:
        profile = metafunc.config.getoption("plane_profile") or "standard"
    except ValueError:
        profile = "standard"
    ops = [op for op in selected(profile) if op.core == (metafunc.function.__name__ == "test_core")]
    metafunc.parametrize("operation", ops, ids=[f"{op.method} {op.path}" for op in ops])


def fill_path(op: Operation, workspace: str, project_id: str, identifier: str) -> str:
    """The probe URL: the real workspace; the scratch project for GETs, random ids otherwise."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "workspace_slug":
            return workspace
        if name == "project_id" and op.method == "GET":
            return project_id
        if name == "project_identifier":
            return identifier or "PLCZZ"
        if name == "issue_identifier":
            return "999999"
        return str(uuid.uuid4())

    return PARAM.sub(value, op.path)


class Baseline:
    """The answers of surely-unrouted URLs, per method: what 'absent' looks like on this target."""

    def __init__(self, client: TargetClient) -> None:
        self.client = client
        self._bodies: dict[str, list[str]] = {}

    def bodies(self, method: str, body: Any) -> list[str]:
        if method not in self._bodies:
            paths = [self.client.ws(f"{NOWHERE}/"), f"/api/v1/{NOWHERE}/"]
            answers = [self.client.request(method, p, json=body) for p in paths]
            self._bodies[method] = [a.text for a in answers if a.status_code in (404, 405)]
        return self._bodies[method]


@pytest.fixture(scope="module")
def baseline(client: TargetClient) -> Baseline:
    return Baseline(client)


@pytest.fixture(scope="module")
def probe_project(scratch: ScratchResources) -> tuple[str, str]:
    return scratch.project_id, scratch.identifier


def classify(status: int, text: str, unrouted: list[str]) -> tuple[str, str]:
    if status in (401, 403):
        return "rejected", f"{status}: the route exists, the key may not use it"
    if status == 402:
        return "plan-gated", "402: the plan does not include it"
    if status == 405:
        return "absent", "405: the path does not offer this method"
    if status == 404 and text in unrouted:
        return "absent", "404 exactly like a surely-unrouted URL"
    return "served", f"answered {status}"


@pytest.fixture
def probed(
    operation: Operation,
    client: TargetClient,
    target: TargetConfig,
    baseline: Baseline,
    probe_project: tuple[str, str],
    request: pytest.FixtureRequest,
) -> tuple[str, str]:
    """The one probe of `operation`: (status, detail), and its row of RunResult.capabilities."""
    if target.read_only and operation.method != "GET":
        raise NotSelected("read-only mode: writes are not probed")
    path = fill_path(operation, target.workspace, *probe_project)
    body: list[object] | None = [] if operation.method in ("POST", "PATCH", "PUT") else None
    response = client.request(operation.method, path, json=body)
    unrouted = baseline.bodies(operation.method, body)
    status, detail = classify(response.status_code, response.text, unrouted)
    if status == "rejected" and isinstance(json_of(response), dict):
        detail += f" ({str(json_of(response))[:80]})"
    row = {
        "operation": operation.operation_id,
        "method": operation.method,
        "path": operation.path,
        "status": status,
        "detail": detail,
        "core": operation.core,
    }
    request.node.user_properties.append(("capabilities", [row]))
    return status, detail


@pytest.mark.requirement("CAP-001")
def test_core(operation: Operation, probed: tuple[str, str]) -> None:
    """A documented core operation is routed."""
    status, detail = probed
    assert status != "absent", (
        f"core operation {operation.method} {operation.path} is absent: {detail}"
    )
    if status != "served":
        raise Blocked(f"{status}: {detail}")


@pytest.mark.requirement("CAP-002")
def test_cloud(probed: tuple[str, str]) -> None:
    """A commercial-edition operation is served, or skipped with what the target said."""
    status, detail = probed
    if status != "served":
        raise NotApplicable(f"{status}: {detail}")

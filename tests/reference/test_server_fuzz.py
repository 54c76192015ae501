"""Schemathesis fuzz of the reference server against specs/plane-v1.openapi.yaml.

Only operations the reference implements are fuzzed; workspace and project path parameters are
pinned to real ones so the cases reach the handlers. Checks: no 5xx, responses match the schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from conformance.reference.app import route_table
from conformance.reference.config import ServerConfig
from conformance.reference.launcher import RunningServer, start_reference_server
from conformance.spec.paths import openapi_path


def _implemented(spec_paths: list[str]) -> list[str]:
    ours = [
        re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for path, _ in route_table(ServerConfig())
    ]
    return [p for p in spec_paths if any(r.match(re.sub(r"\{[^}]+\}", "X", p)) for r in ours)]


raw = schemathesis.openapi.from_path(openapi_path())
raw.config.generation.update(max_examples=8)
schema = raw.include(path=_implemented(list(raw.raw_schema["paths"])))

_server: RunningServer | None = None
_project: str | None = None


@pytest.fixture(scope="module", autouse=True)
def server() -> Iterator[RunningServer]:
    global _server, _project
    with start_reference_server() as running:
        created = httpx.post(
            f"{running.base_url}/api/v1/workspaces/{running.workspace}/projects/",
            json={"name": "Fuzz", "identifier": "FUZZ"},
            headers={"X-API-Key": running.api_key},
        )
        _server, _project = running, created.json()["id"]
        yield running


@schema.parametrize()
def test_no_server_error_and_schema_conformance(case) -> None:
    assert _server is not None
    for name in ("workspace_slug", "slug"):
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = _server.workspace
    if "project_id" in (case.path_parameters or {}):
        case.path_parameters["project_id"] = _project
    case.call_and_validate(
        base_url=_server.base_url,
        headers={"X-API-Key": _server.api_key},
        checks=[not_a_server_error, response_schema_conformance],
    )


def test_every_core_operation_is_fuzzed() -> None:
    """The filter above drops nothing: the reference routes every path of the core spec."""
    all_paths = list(raw.raw_schema["paths"])
    assert _implemented(all_paths) == all_paths

"""Schemathesis fuzz of the reference server against specs/plane-v1.openapi.yaml.

Only operations the reference implements are fuzzed; workspace and project path parameters are
pinned to real ones so the cases reach the handlers. Checks: no 5xx, responses match the schema.

One pytest test per operation (its own node id), so that every operation runs, and is counted,
under `pytest -n 2 --dist loadfile` too: schemathesis's own `parametrize` gives all its cases
one node id, which xdist schedules once (1 of 122 ran under the README's test command).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from conformance.reference.app import route_table
from conformance.reference.config import ServerConfig
from conformance.reference.launcher import RunningServer, start_reference_server
from conformance.spec.paths import openapi_path

METHODS = ("get", "post", "put", "patch", "delete")
EXAMPLES = 8


def _implemented(spec_paths: list[str]) -> list[str]:
    ours = [
        re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$")
        for path, _ in route_table(ServerConfig())
    ]
    return [p for p in spec_paths if any(r.match(re.sub(r"\{[^}]+\}", "X", p)) for r in ours)]


raw = schemathesis.openapi.from_path(openapi_path())
OPERATIONS = [
    (path, method.upper())
    for path in _implemented(list(raw.raw_schema["paths"]))
    for method in raw.raw_schema["paths"][path]
    if method in METHODS
]


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[RunningServer, str]]:
    with start_reference_server() as running:
        created = httpx.post(
            f"{running.base_url}/api/v1/workspaces/{running.workspace}/projects/",
            json={"name": "Fuzz", "identifier": "FUZZ"},
            headers={"X-API-Key": running.api_key},
        )
        yield running, created.json()["id"]


@pytest.mark.parametrize(
    ("path", "method"), OPERATIONS, ids=[f"{method} {path}" for path, method in OPERATIONS]
)
def test_no_server_error_and_schema_conformance(
    server: tuple[RunningServer, str], path: str, method: str
) -> None:
    running, project = server
    pinned = {"workspace_slug": running.workspace, "slug": running.workspace}
    operation = raw[path][method]
    names = set(re.findall(r"\{([^{}]+)\}", path))
    parameters = {k: v for k, v in pinned.items() if k in names}
    if "project_id" in names:
        parameters["project_id"] = project
    strategy = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE, path_parameters=parameters
    )

    @settings(
        max_examples=EXAMPLES,
        phases=[Phase.explicit, Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=running.base_url,
            headers={"X-API-Key": running.api_key},
            checks=[not_a_server_error, response_schema_conformance],
        )

    run()


def test_every_core_operation_is_fuzzed() -> None:
    """The filter above drops nothing: the reference routes every path of the core spec."""
    all_paths = list(raw.raw_schema["paths"])
    assert _implemented(all_paths) == all_paths
    assert len(OPERATIONS) == sum(
        method in METHODS for item in raw.raw_schema["paths"].values() for method in item
    )

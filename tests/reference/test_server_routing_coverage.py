"""Every core operation of the spec is routed by the reference server: a request to it (with
made-up ids) never gets the unknown-route answer, and never a 5xx."""

from __future__ import annotations

import re

import pytest

from conformance.spec.openapi import Operation, operations
from tests.reference.conftest import Api

CORE = [op for op in operations() if op.core]
UNKNOWN_ROUTE = {"error": "Not found"}


def _concrete(api: Api, op: Operation, project_id: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in ("workspace_slug", "slug"):
            return api.config.workspace
        if name == "project_id":
            return project_id
        if name == "project_identifier":
            return "ALP"
        if name == "issue_identifier":
            return "1"
        return "00000000-0000-4000-8000-000000000000"

    return re.sub(r"\{([^}]+)\}", value, op.path)


def test_the_spec_has_the_documented_number_of_core_operations() -> None:
    assert len(CORE) == 120  # project features are commercial (specs/overlay.yaml)


@pytest.mark.parametrize("op", CORE, ids=lambda op: f"{op.method} {op.path}")
def test_core_operation_is_routed(api: Api, project: dict, op: Operation) -> None:
    url = _concrete(api, op, project["id"])
    response = api.client.request(op.method, url, json={} if op.method != "GET" else None)
    assert response.status_code < 500, response.text
    assert response.status_code != 405, f"{op.method} not offered on {url}"
    if response.status_code == 404:
        assert response.json() != UNKNOWN_ROUTE, f"{op.method} {url} is not routed"

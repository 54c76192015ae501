"""The fuzz package: cases go through the target client; failures map to requirements."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from schemathesis.generation import GenerationMode

from conformance.fuzz.findings import Campaign
from conformance.fuzz.fuzzing import fuzz_operation, operation_seed
from conformance.fuzz.transport import load_schema

SECRET = "sk-unit-secret-0123456789"

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "mini", "version": "1"},
    "servers": [{"url": "http://example.invalid/api/v1"}],
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}},
        "schemas": {
            "Label": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
            }
        },
    },
    "security": [{"key": []}],
    "paths": {
        "/workspaces/{slug}/labels/": {
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "post": {
                "operationId": "create_label",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["name"],
                                "additionalProperties": False,
                                "properties": {
                                    "name": {"type": "string", "minLength": 1, "maxLength": 8},
                                    "color": {"type": "string", "enum": ["red", "blue"]},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": {
                        "description": "created",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Label"}}
                        },
                    },
                    "400": {"description": "invalid"},
                    "401": {"description": "no key"},
                },
            },
        }
    },
}


class FakeTarget:
    """Stands in for TargetClient: a MockTransport server with switchable faults."""

    def __init__(self, fault: str | None = None) -> None:
        self.fault = fault
        self.calls: list[dict[str, Any]] = []
        self.http = httpx.Client(
            transport=httpx.MockTransport(self._serve), base_url="http://target.test"
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params=None,
        json=None,
        headers=None,
        content=None,
        key=True,
    ) -> httpx.Response:
        self.calls.append({"method": method, "path": path, "key": key, "json": json})
        headers = dict(headers or {})
        if key is True:
            headers["X-API-Key"] = SECRET
        elif isinstance(key, str):
            headers["X-API-Key"] = key
        return self.http.request(
            method, path, params=params, json=json, headers=headers, content=content
        )

    def _serve(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-API-Key") != SECRET and self.fault != "ignored-auth":
            return httpx.Response(401, json={"error": "authentication required"})
        try:
            body = json.loads(request.content or b"null")
        except ValueError:
            return httpx.Response(400, json={"error": "not json"})
        valid = (
            isinstance(body, dict)
            and set(body) <= {"name", "color"}
            and isinstance(body.get("name"), str)
            and 1 <= len(body["name"]) <= 8
            and body.get("color", "red") in ("red", "blue")
        )
        if self.fault == "server-error":
            return httpx.Response(500, json={"error": "boom"})
        if not valid and self.fault != "accepts-anything":
            return httpx.Response(400, json={"error": "invalid"})
        created = {"id": "l-1", "name": body.get("name") if isinstance(body, dict) else None}
        if self.fault == "wrong-type":
            created["name"] = 42
        status = 200 if self.fault == "create-200" else 201
        if self.fault == "text-plain":
            return httpx.Response(status, text="ok", headers={"content-type": "text/plain"})
        return httpx.Response(status, json=created)


@pytest.fixture
def spec_path(tmp_path: Path) -> Path:
    path = tmp_path / "mini.openapi.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    return path


def _fuzz(spec_path: Path, target: FakeTarget, mode: GenerationMode, examples: int = 4):
    schema = load_schema(spec_path, target)
    operation = schema["/workspaces/{slug}/labels/"]["POST"]
    campaign = Campaign()
    fuzz_operation(
        operation,
        path_parameters={"slug": "scratch-ws"},
        mode=mode,
        max_examples=examples,
        seed=7,
        campaign=campaign,
        auth_checked=set(),
    )
    return campaign


def test_conformant_server_gives_no_findings_and_all_requests_use_the_client(spec_path):
    target = FakeTarget()
    campaign = _fuzz(spec_path, target, GenerationMode.POSITIVE)
    campaign_negative = _fuzz(spec_path, target, GenerationMode.NEGATIVE)
    assert campaign.findings == [] and campaign_negative.findings == []
    assert campaign.cases >= 1
    # every request, ignored_auth probes included, went through the client, to the scratch path
    assert {c["path"] for c in target.calls} == {"/api/v1/workspaces/scratch-ws/labels/"}
    keys = [c["key"] for c in target.calls]
    assert True in keys and False in keys  # the real key, and the keyless probe
    assert all(k is True or k is False or k != SECRET for k in keys)


@pytest.mark.parametrize(
    ("fault", "mode", "requirement"),
    [
        ("wrong-type", GenerationMode.POSITIVE, "SCHEMA-002"),
        ("server-error", GenerationMode.POSITIVE, "STATUS-010"),
        ("create-200", GenerationMode.POSITIVE, "SCHEMA-001"),
        ("text-plain", GenerationMode.POSITIVE, "HTTP-001"),
        ("ignored-auth", GenerationMode.POSITIVE, "AUTH-007"),
        ("accepts-anything", GenerationMode.NEGATIVE, "SCHEMA-004"),
    ],
)
def test_each_fault_maps_to_its_requirement(spec_path, fault, mode, requirement):
    campaign = _fuzz(spec_path, FakeTarget(fault), mode, examples=6)
    assert requirement in {f.requirement for f in campaign.findings}, campaign.findings


def test_findings_carry_a_curl_line_without_the_key(spec_path):
    campaign = _fuzz(spec_path, FakeTarget("wrong-type"), GenerationMode.POSITIVE)
    finding = campaign.for_requirement("SCHEMA-002")[0]
    assert finding.curl.startswith("curl ") and "/labels/" in finding.curl
    assert "$PLANE_API_KEY" in finding.curl
    assert SECRET not in json.dumps([f.to_dict() for f in campaign.findings])
    assert finding.operation == "POST /workspaces/{slug}/labels/"
    assert finding.status == 201


def test_seed_makes_generation_repeatable(spec_path):
    first, second = FakeTarget(), FakeTarget()
    _fuzz(spec_path, first, GenerationMode.POSITIVE)
    _fuzz(spec_path, second, GenerationMode.POSITIVE)
    assert first.calls == second.calls
    assert len({json.dumps(c["json"]) for c in first.calls}) > 1  # it did vary the bodies
    assert re.fullmatch(r"\d+", str(operation_seed(7, "GET /x", "positive")))

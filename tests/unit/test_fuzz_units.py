"""The campaign's units: every operation gets a verdict per requirement, nothing is a silent note.

Against the fake target of test_schemathesis_bridge: a server that drops the connection on every
invalid body, one that refuses every valid case, one that echoes the key; and the table of what
an operation log comes to for each requirement.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from schemathesis.generation import GenerationMode

from conformance.credentials import ApiKey
from conformance.fuzz.campaign import NEVER_SENT, PROJECT_END, left_out
from conformance.fuzz.findings import Campaign, Finding, OperationLog
from conformance.fuzz.fuzzing import PROFILE_BUDGETS, Budget, fuzz_operation
from conformance.fuzz.requirements import CHECKS
from conformance.fuzz.transport import load_schema, with_page_statuses
from conformance.target.redaction import Redactor
from tests.unit.test_schemathesis_bridge import SECRET, SPEC, FakeTarget

LABEL = "POST /workspaces/{slug}/labels/"
CHECKS_OF = {
    rid: tuple(n for n, s in CHECKS.items() if s.requirement == rid)
    for rid in {s.requirement for s in CHECKS.values()}
}


class HostileTarget(FakeTarget):
    """The fake target with the evasions of the hostile-server harness."""

    redactor = Redactor(ApiKey(SECRET))

    def _serve(self, request: httpx.Request) -> httpx.Response:
        if self.fault == "echo-key":
            # the echoed key sits in a field of the wrong type, which a finding quotes
            return httpx.Response(201, json={"id": "l-1", "name": {"echo": SECRET}})
        answer = super()._serve(request)
        if self.fault == "drops-invalid" and answer.status_code == 400:
            raise httpx.RemoteProtocolError("peer closed connection", request=request)
        if self.fault == "refuses-valid" and answer.status_code < 300:
            return httpx.Response(400, json={"error": "refused"})
        return answer


@pytest.fixture
def spec_path(tmp_path: Path) -> Path:
    path = tmp_path / "mini.openapi.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    return path


def fuzz(spec_path: Path, target: FakeTarget, *modes: GenerationMode) -> Campaign:
    schema = load_schema(spec_path, target)  # type: ignore[arg-type]
    operation = schema["/workspaces/{slug}/labels/"]["POST"]
    campaign = Campaign()
    for mode in modes:
        fuzz_operation(
            operation,
            path_parameters={"slug": "scratch-ws"},
            mode=mode,
            max_examples=4,
            seed=7,
            campaign=campaign,
            auth_checked=set(),
        )
    return campaign


def unit(campaign: Campaign, requirement: str) -> tuple[str, str]:
    [found] = [
        u for u in campaign.units(requirement, CHECKS_OF[requirement]) if u.operation == LABEL
    ]
    return found.status, found.reason


def test_a_conformant_operation_is_verified_for_every_requirement(spec_path: Path) -> None:
    campaign = fuzz(spec_path, HostileTarget(), GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    for requirement in ("STATUS-010", "SCHEMA-001", "HTTP-001", "SCHEMA-002", "SCHEMA-004"):
        assert unit(campaign, requirement)[0] == "verified", requirement


def test_dropped_connections_on_invalid_bodies_fail_status_010(spec_path: Path) -> None:
    """Before: the campaign caught the exception and kept it as a note; STATUS-010 passed."""
    campaign = fuzz(spec_path, HostileTarget("drops-invalid"), GenerationMode.NEGATIVE)
    status, reason = unit(campaign, "STATUS-010")
    assert status == "failed" and "no answer" in reason and "RemoteProtocolError" in reason
    status, reason = unit(campaign, "SCHEMA-004")
    assert status == "not_verified" and "STATUS-010" in reason


def test_a_server_refusing_every_valid_case_is_not_verified(spec_path: Path) -> None:
    """Before: no finding meant a pass, though no 2xx body was ever judged."""
    campaign = fuzz(spec_path, HostileTarget("refuses-valid"), GenerationMode.POSITIVE)
    for requirement in ("SCHEMA-002", "SCHEMA-003", "AUTH-007"):
        status, reason = unit(campaign, requirement)
        assert status == "not_verified", requirement
        assert "no valid case was accepted" in reason and '400 {"error":"refused"}' in reason
    assert unit(campaign, "SCHEMA-001")[0] == "verified"  # a documented 400 is a judged status


def test_a_key_echoed_by_the_server_reaches_no_finding(spec_path: Path) -> None:
    campaign = fuzz(spec_path, HostileTarget("echo-key"), GenerationMode.POSITIVE)
    [finding] = campaign.for_requirement("SCHEMA-002")
    assert "echo" in finding.message  # the body is quoted...
    assert SECRET not in json.dumps([f.to_dict() for f in campaign.findings])  # ...scrubbed


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (OperationLog(LABEL, not_selected="a workspace-wide write"), "not_selected"),
        (OperationLog(LABEL, blocked="POST cycles/ answered 403: {...}"), "blocked"),
        (OperationLog(LABEL, not_verified="no way to make one"), "not_verified"),
        (OperationLog(LABEL, error="TypeError: a bug of the suite"), "error"),
    ],
)
def test_an_operation_nothing_was_sent_to_says_why(log: OperationLog, expected: str) -> None:
    campaign = Campaign(logs={LABEL: log})
    for requirement, checks in CHECKS_OF.items():
        if requirement in ("STATUS-003", "STATUS-006"):
            continue  # lifecycle logs only
        [found] = campaign.units(requirement, checks)
        assert (found.status, found.reason) == (expected, log.why_unsent()[1])  # type: ignore[index]


def test_a_finding_wins_over_everything_and_lifecycles_judge_only_their_own() -> None:
    log = OperationLog(LABEL, positive=1, accepted=1)
    lifecycle = OperationLog(f"{LABEL} (lifecycle)", lifecycle=True, steps={"created", "read"})
    finding = Finding(LABEL, "response_schema_conformance", "SCHEMA-002", "bad", "curl", 201)
    campaign = Campaign(findings=[finding], logs={LABEL: log, lifecycle.label: lifecycle})
    assert [u.status for u in campaign.units("SCHEMA-002", CHECKS_OF["SCHEMA-002"])] == ["failed"]
    assert [(u.operation, u.status) for u in campaign.units("STATUS-003", ())] == [
        (lifecycle.label, "verified")
    ]
    assert [u.status for u in campaign.units("STATUS-006", ())] == ["not_verified"]


def test_workspace_wide_writes_are_never_sent_and_project_mode_keeps_the_project() -> None:
    api = "/api/v1/workspaces/{workspace_slug}"
    assert left_out(f"POST {api}/members/remove/", own_project=True)
    assert left_out(f"POST {api}/invitations/", own_project=True)
    for label in PROJECT_END:
        assert not left_out(label, own_project=True)
        assert "--project mode" in left_out(label, own_project=False)
    assert "--project mode" in left_out(f"POST {api}/projects/", own_project=False)
    assert all(reason for reason in NEVER_SENT.values())


def test_a_page_documenting_200_for_a_create_is_documented_beside_201() -> None:
    raw: dict[str, Any] = {
        "paths": {
            "/x/": {
                "post": {
                    "responses": {
                        "201": {"description": "ok", "x-docs-status": 200},
                        "400": {"description": "bad"},
                    }
                }
            }
        }
    }
    responses = with_page_statuses(raw)["paths"]["/x/"]["post"]["responses"]
    assert set(responses) == {"201", "200", "400"}
    assert "x-docs-status" not in responses["200"]


def test_quick_generates_bodies_but_no_reads_beside_an_accepted_minimal_case() -> None:
    """Quick spends one request per read (the documented minimal case; a generated one only
    where the target refused it) and one generated body per write beside the minimal case;
    standard and full generate either way (issue 22: a request per judgement)."""
    quick, standard = PROFILE_BUDGETS["quick"], PROFILE_BUDGETS["standard"]

    def cases(budget: Budget, takes_body: bool) -> tuple[int, int]:
        return (
            budget.generated_after(minimal_accepted=True, takes_body=takes_body),
            budget.generated_after(minimal_accepted=False, takes_body=takes_body),
        )

    assert cases(quick, takes_body=False) == (0, 1)
    assert cases(quick, takes_body=True) == (1, 1)
    assert cases(standard, takes_body=False) == cases(standard, takes_body=True) == (2, 2)
    assert cases(PROFILE_BUDGETS["full"], takes_body=False) == (6, 6)

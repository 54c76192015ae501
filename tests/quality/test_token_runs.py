"""Runs with an OAuth access token against the embedded reference server (issue 23).

A token with every scope passes every check clean; a read-only token gets every write operation
judged refused (AUTH-010 verified), whether the user says its scopes or the suite finds them out,
and nothing failed or blocked elsewhere; Plane's releases read no token: an API-key run says
"not applicable" for the token's requirements, a token run stops in one sentence. (The token
faults run in the fault matrix, with the options they declare.)
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conformance.proof import FaultOutcome, run_suite, suite_command
from conformance.reference.launcher import start_reference_server
from conformance.spec.openapi import operations
from conformance.spec.scopes import read_scopes

TOKEN_REQUIREMENTS = ("AUTH-009", "AUTH-010", "AUTH-011")
READ_ONLY = ("--auth", "bearer", "--token-scopes", "*:read")


def _statuses(report_dir: Path) -> dict[str, dict[str, object]]:
    data = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    return {verdict["id"]: verdict for verdict in data["requirements"]}


def _clean(outcome: FaultOutcome) -> None:
    detail = {rid: outcome.reasons.get(rid, "")[:200] for rid in outcome.reasons}
    assert outcome.exit_code == 0, f"{outcome.stderr[-600:]} {detail}"
    assert outcome.flagged == {} and outcome.unfinished == {}, detail
    assert outcome.leftovers == 0


def test_a_token_with_every_scope_passes_clean(tmp_path: Path) -> None:
    outcome = run_suite(tmp_path, extra=("--auth", "bearer"))
    _clean(outcome)
    verdicts = _statuses(tmp_path / "clean-quick")
    assert (
        verdicts["AUTH-009"]["status"] == "sampled"
    )  # quick: verified on a sample of the operations
    assert verdicts["AUTH-011"]["status"] == "passed"
    assert verdicts["AUTH-001"]["status"] == "not_selected"  # the run holds no key


def _writes_refused(report_dir: Path) -> None:
    verdict = _statuses(report_dir)["AUTH-010"]
    # every write outside the scopes that is sent is verified; the never-sent ones are left
    # unselected (a sample, never a pass); the operations within the scopes are not applicable
    assert verdict["status"] == "sampled", verdict
    coverage = verdict["coverage"]
    assert isinstance(coverage, dict)
    writes = [op for op in operations() if op.alias_of is None and op.method != "GET"]
    named = [op for op in writes if op.scopes]
    # never sent: the writes that name no object (user and workspace uploads, members/remove,
    # stickies), whose body alone would keep them harmless; the project create is sent
    never_sent = [op for op in named if set(op.path_params) <= {"workspace_slug"}]
    assert len(never_sent) == 5
    assert coverage["verified"] == len(named) - len(never_sent) + 1


def test_a_read_only_token_gets_the_writes_judged_refused(tmp_path: Path) -> None:
    outcome = run_suite(tmp_path, extra=READ_ONLY)
    _clean(outcome)
    _writes_refused(tmp_path / "clean-quick")


def test_a_read_only_token_whose_scopes_are_found_out(tmp_path: Path) -> None:
    """The same token, its scopes not said: the suite finds them from the answers."""
    with start_reference_server(token_scopes=read_scopes("*:read")) as server:
        env = {**os.environ, "PLANE_ACCESS_TOKEN": server.access_token}
        for variable in ("PLANE_API_KEY", "PLANE_TOKEN_SCOPES", "PLANE_BASE_URL"):
            env.pop(variable, None)
        target = ("--target", server.base_url, "--workspace", server.workspace)
        command = suite_command(tmp_path, profile="quick", options=target)
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=900, check=False
        )
    assert completed.returncode == 0, completed.stdout[-1500:] + completed.stderr[-600:]
    assert "granted (found from the target's answers)" in completed.stdout
    assert server.access_token not in completed.stdout + completed.stderr
    _writes_refused(tmp_path)
    unfinished = {
        rid: v["status"]
        for rid, v in _statuses(tmp_path).items()
        if v["status"] in ("failed", "blocked", "not_verified", "error")
    }
    assert unfinished == {}


def test_plane_releases_read_no_token(tmp_path: Path) -> None:
    """The stand-in of Plane v1.3.1: an API-key run finds by one probe that tokens are not read
    (not applicable); a token run ends at the preflight in one sentence, exit 2."""
    outcome = run_suite(tmp_path / "key", areas=["auth"], extra=("--plane-1.3.1",))
    verdicts = _statuses(tmp_path / "key" / "clean-quick")
    assert {rid: verdicts[rid]["status"] for rid in TOKEN_REQUIREMENTS} == dict.fromkeys(
        TOKEN_REQUIREMENTS, "not_applicable"
    ), outcome.stderr
    options = ("--plane-1.3.1", "--auth", "bearer")
    command = suite_command(tmp_path / "token", profile="quick", options=options)
    token = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert token.returncode == 2
    last = token.stderr.strip().splitlines()[-1]
    assert "does not accept access tokens" in last and last.startswith("plane-conformance: ")

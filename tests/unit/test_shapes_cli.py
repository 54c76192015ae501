"""`python -m conformance.shapes`: offline paths of the command (two recordings compared, usage
errors), the committed recording's integrity, and how the real-Plane lane finds its server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main as cli_main
from conformance.shapes.command import drift_summary, main
from conformance.shapes.files import default_path, dumps, load, to_document
from conformance.shapes.model import shape_of
from conformance.shapes.recorder import RecorderResult
from conformance.spec.openapi import operations
from tests.realplane.conftest import parse_exports, resolve_real_plane


def _file(tmp_path: Path, name: str, body: dict[str, object]) -> Path:
    recording = {("GET", "/api/v1/users/me/", 200): shape_of(body)}
    path = tmp_path / name
    path.write_text(dumps(to_document(recording, {}, server_version="x")), encoding="utf-8")
    return path


def test_compare_two_recordings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _file(tmp_path, "old.json", {"id": "a", "email": "e"})
    same = _file(tmp_path, "same.json", {"id": "b", "email": "f"})
    new = _file(tmp_path, "new.json", {"id": "a", "email": None, "extra": 1})
    assert main(["compare", "--against", str(old), "--observed", str(same)]) == 0
    assert main(["compare", "--against", str(old), "--observed", str(new)]) == 1
    out = capsys.readouterr().out
    assert "GET /api/v1/users/me/ 200  $.extra: field appeared (integer)" in out
    assert "$.email: type changed: string -> null" in out
    assert "2 drifts in 1 responses" in out


def test_the_cli_command_is_the_same(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = _file(tmp_path, "old.json", {"id": "a"})
    new = _file(tmp_path, "new.json", {"id": 1})
    assert cli_main(["shapes", "compare", "--against", str(old), "--observed", str(new)]) == 1
    assert "$.id: type changed: string -> integer" in capsys.readouterr().out
    missing = str(tmp_path / "missing.json")
    assert cli_main(["shapes", "compare", "--against", missing, "--observed", str(new)]) == 2
    assert capsys.readouterr().err.startswith("plane-conformance shapes: ")


def test_drift_summary_is_data_for_the_results(tmp_path: Path) -> None:
    against = load(_file(tmp_path, "old.json", {"id": "a", "email": "e"}))
    observed = load(_file(tmp_path, "new.json", {"id": "a"})).recording
    summary = drift_summary(against, RecorderResult(observed, {}, ["cycles: refused"], 9))
    assert summary.against == "Plane vx"
    assert (summary.operations_compared, summary.operations_drifting) == (1, 1)
    assert summary.by_kind == {"field disappeared": 1}
    assert summary.lines == ["GET /api/v1/users/me/ 200  $.email: field disappeared (was string)"]
    # the same, per response of an operation (the report's drift section)
    assert [(o.operation, o.status, o.changes) for o in summary.operations] == [
        ("GET /api/v1/users/me/", 200, ["$.email: field disappeared (was string)"])
    ]
    assert (summary.abandoned, summary.requests) == (["cycles: refused"], 9)


def test_record_needs_a_key_and_never_prints_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PLANE_API_KEY", raising=False)
    assert main(["record", "--target", "http://127.0.0.1:9", "--workspace", "w"]) == 2
    assert "PLANE_API_KEY" in capsys.readouterr().err
    monkeypatch.setenv("PLANE_API_KEY", "plane_api_secretvalue0000")
    assert main(["record", "--target", "http://127.0.0.1:9", "--workspace", "w"]) == 2
    captured = capsys.readouterr()
    assert "did not answer" in captured.err
    assert "secretvalue" not in captured.out + captured.err


def test_committed_recording_is_complete_and_stable() -> None:
    """Every core operation is either recorded or listed as not recorded with a reason, and the
    file is exactly what the writer produces (sorted, no hand edits)."""
    committed = load()
    text = default_path().read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["server_version"] == "1.3.1"
    assert dumps(document) == text
    recorded = {key[:2] for key in committed.recording}
    assert len(recorded) == document["operations"]
    for op in (op for op in operations() if op.core):
        assert (op.method, op.path) in recorded | committed.not_served, (op.method, op.path)
    assert "plane_api_" not in text.lower().replace("plane_api_key", "")


def test_lane_source_from_environment_or_nothing(tmp_path: Path) -> None:
    env = {
        "PLANE_BASE_URL": "http://127.0.0.1:8000/",
        "PLANE_API_KEY": "plane_api_lanesecret",
        "PLANE_WORKSPACE_SLUG": "w",
        "PLANE_GUEST_API_KEY": "g",
    }
    found = resolve_real_plane(env, kit=tmp_path / "absent.sh")
    assert found is not None
    assert (found.base_url, found.workspace, found.member_key, found.guest_key) == (
        "http://127.0.0.1:8000",
        "w",
        None,
        "g",
    )
    assert "lanesecret" not in repr(found)
    assert resolve_real_plane({}, kit=tmp_path / "absent.sh") is None


def test_lane_reads_up_sh_export_lines() -> None:
    text = "noise\nexport PLANE_BASE_URL=http://127.0.0.1:8000   # the API\nexport X='a b'\n"
    assert parse_exports(text) == {"PLANE_BASE_URL": "http://127.0.0.1:8000", "X": "a b"}

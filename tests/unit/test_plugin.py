"""The pytest plugin: inert for ordinary tests, strict about markers, soft about SHOULDs."""

from __future__ import annotations

import json
import socket

import httpcore  # noqa: F401 - see below
import pytest

# pytester's in-process runs drop modules first imported inside them; httpx imports httpcore
# lazily, and a re-imported httpcore would no longer match httpx's exception mapping.
pytest_plugins = ["pytester"]

KEY_ENV = {"PLANE_API_KEY": "plane_api_unit_test_key_000000"}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def plane_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PLANE_BASE_URL", "PLANE_WORKSPACE_SLUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in KEY_ENV.items():
        monkeypatch.setenv(name, value)


def _plane_args(pytester: pytest.Pytester, *extra: str) -> list[str]:
    return [
        "-p", "no:cacheprovider",
        f"--plane-url=http://127.0.0.1:{_closed_port()}",
        "--plane-workspace=ws",
        "--plane-skip-preflight",
        f"--plane-report-dir={pytester.path / 'reports'}",
        *extra,
    ]  # fmt: skip


def test_plugin_is_inert_for_ordinary_tests(pytester: pytest.Pytester, plane_env: None) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "plane-conformance:" not in result.stdout.str()


def test_unknown_requirement_id_is_a_usage_error(
    pytester: pytest.Pytester, plane_env: None
) -> None:
    pytester.makepyfile(
        "import pytest\n@pytest.mark.requirement('NOPE-999')\ndef test_x():\n    pass\n"
    )
    result = pytester.runpytest(*_plane_args(pytester))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "unknown requirement id NOPE-999" in result.stderr.str()


def test_failed_should_is_a_warning_and_failed_must_a_failure(
    pytester: pytest.Pytester, plane_env: None
) -> None:
    pytester.makepyfile(
        test_demo=(
            "import pytest\n"
            "@pytest.mark.requirement('HTTP-002')\n"
            "def test_should():\n    assert 1 == 2, 'PUT answered 200'\n"
            "@pytest.mark.requirement('STATUS-007')\n"
            "def test_must():\n    assert True\n"
        )
    )
    soft = pytester.runpytest(*_plane_args(pytester))
    soft.assert_outcomes(passed=1, xfailed=1)
    assert soft.ret == 0
    results = json.loads((pytester.path / "reports" / "results.json").read_text())
    verdicts = {v["id"]: v["status"] for v in results["requirements"]}
    assert verdicts["HTTP-002"] == "warned" and verdicts["STATUS-007"] == "passed"
    assert verdicts["AUTH-001"] == "not_selected"
    check = next(c for c in results["checks"] if c["name"] == "test_should")
    assert check["outcome"] == "failed" and "PUT answered 200" in check["message"]
    assert check["area"] == "demo" and check["requirements"] == ["HTTP-002"]


def test_failed_must_fails_the_run(pytester: pytest.Pytester, plane_env: None) -> None:
    pytester.makepyfile(
        test_demo=(
            "import pytest\n"
            "@pytest.mark.requirement('STATUS-007')\n"
            "def test_must():\n    assert False, 'answered 200'\n"
        )
    )
    result = pytester.runpytest(*_plane_args(pytester))
    result.assert_outcomes(failed=1)
    results = json.loads((pytester.path / "reports" / "results.json").read_text())
    verdicts = {v["id"]: v["status"] for v in results["requirements"]}
    assert verdicts["STATUS-007"] == "failed"


def test_preflight_failure_stops_the_run_with_one_sentence(
    pytester: pytest.Pytester, plane_env: None
) -> None:
    pytester.makepyfile(
        "import pytest\n@pytest.mark.requirement('AUTH-001')\ndef test_x():\n    pass\n"
    )
    port = _closed_port()
    result = pytester.runpytest("-p", "no:cacheprovider", f"--plane-url=http://127.0.0.1:{port}",
                                "--plane-workspace=ws")  # fmt: skip
    assert result.ret == 2
    output = result.stdout.str() + result.stderr.str()
    assert f"cannot reach the target http://127.0.0.1:{port} (connection refused)." in output
    assert "Traceback" not in output and KEY_ENV["PLANE_API_KEY"] not in output

"""The key is never printed, whatever the input: every exit-2 path of every subcommand (a mistyped
option carrying a key, a key where a value or a subcommand belongs, wrong values, a missing or
unreachable target, a target that refuses the key and echoes it, unreadable files) ends with exit
code 2 and a message, and neither stdout nor stderr holds the key given on the line or in
PLANE_API_KEY. argparse's own messages go through the scrubber like everything else."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from conformance import cli
from conformance.report.json_io import write_results
from conformance.report.scrub import command_line_secrets, looks_like_key, scrub_arguments
from tests.unit.report_samples import sample_result

KEY = "Zq81opaque7731secretvalue"  # no recognisable prefix: only the line says it is a key
PLANE_KEY = "plane_api_sweep00000000000000000000000000"
SHORT_KEY = "hunter2"  # too short to scrub from free text, still never echoed by argparse
ENV_KEY = "plane_api_fromtheenvironment0000000000000"
SECRETS = (KEY, PLANE_KEY, SHORT_KEY, ENV_KEY)
UUID = "0b6b3c1e-4a52-4f7e-9d3a-2f1c5e8b7a90"  # a --project value: not a key
MISTYPED = ("--api_key", "--apikey", "--api-token", "--token", "--key", "--plane-api-key")


class _HostileTarget(BaseHTTPRequestHandler):
    """A target that says the key back whenever it refuses (in the body and a header): it
    accepts KEY (the user is known, workspace `ws` has no projects, anything else is 404) and
    refuses every other key with 401."""

    keys_sent: ClassVar[list[str]] = []

    def _answer(self) -> None:
        key = self.headers.get("X-API-Key", "")
        self.keys_sent.append(key)
        status, body = 404, {"detail": f"Not found for key {key}"}
        if key != KEY:
            status, body = 401, {"detail": f"Invalid API key {key}"}
        elif self.path == "/api/v1/users/me/":
            status, body = 200, {"id": "u1", "email": "me@example.com"}
        elif self.path.startswith("/api/v1/workspaces/ws/projects/?"):
            status, body = 200, {"results": [], "next_page_results": False}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Refused-Key", key)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def hostile_target() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileTarget)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def closed_port() -> str:
    """A loopback URL nothing listens on (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def key_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANE_API_KEY", ENV_KEY)
    for name in ("PLANE_BASE_URL", "PLANE_WORKSPACE_SLUG"):
        monkeypatch.delenv(name, raising=False)


def _subcommands() -> list[str]:
    """Every subcommand of the CLI (and the record / compare of `shapes`), from the parser."""
    parser = cli.build_parser()
    names = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                names.append(name)
                for inner in sub._actions:
                    if isinstance(inner, argparse._SubParsersAction):
                        names += [f"{name} {each}" for each in inner.choices]
    return names


def _exits_2_without_a_key(argv: list[str], capfd: pytest.CaptureFixture[str]) -> str:
    try:
        code = cli.main(argv)
    except SystemExit as exit_:  # argparse's own refusals
        code = exit_.code if isinstance(exit_.code, int) else 2
    out, err = capfd.readouterr()
    assert code == 2, f"{argv}: exit {code}\n{out}{err}"
    assert err.strip(), f"{argv}: no message"
    for secret in SECRETS:
        assert secret not in out + err, f"{argv} printed a key: {out}{err}"
    return err


@pytest.mark.parametrize("command", _subcommands())
@pytest.mark.parametrize("option", MISTYPED)
@pytest.mark.parametrize("key", [KEY, PLANE_KEY, SHORT_KEY])
def test_a_mistyped_key_option_is_refused_without_the_key(
    command: str, option: str, key: str, capfd: pytest.CaptureFixture[str]
) -> None:
    words = command.split()
    _exits_2_without_a_key([*words, option, key], capfd)
    _exits_2_without_a_key([*words, f"{option}={key}"], capfd)


@pytest.mark.parametrize("command", _subcommands())
@pytest.mark.parametrize("key", [KEY, PLANE_KEY])
def test_a_key_where_an_argument_belongs_is_not_echoed(
    command: str, key: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """A key pasted without its option (refused as an unknown argument or file): it looks like
    a key, so it is masked even though nothing on the line says it is one."""
    words = command.split()
    if words == ["diff"]:  # two positional files: the key is read as a file name
        err = _exits_2_without_a_key(["diff", key, key + "-again"], capfd)
        assert "cannot read" in err
        return
    _exits_2_without_a_key([*words, key], capfd)


@pytest.mark.parametrize(
    "argv",
    [
        ["--api-key", KEY, "run"],
        ["--api-key", KEY],
        [KEY],
        [PLANE_KEY, "run"],
        ["runn", "--api-key", KEY],
        [],
    ],
    ids=[
        "key-before-the-subcommand",
        "key-alone",
        "key-as-subcommand",
        "plane-key-as-subcommand",
        "unknown-subcommand",
        "no-subcommand",
    ],
)
def test_the_top_level_refusals(argv: list[str], capfd: pytest.CaptureFixture[str]) -> None:
    _exits_2_without_a_key(argv, capfd)


def _wrong_values(tmp: Path, target: str, closed: str) -> dict[str, tuple[list[str], str]]:
    """One case per exit-2 path, each with the key on the line as the user gives it, and words of
    the message that show the path was the one meant (the files are `_write_files`')."""
    a_file, malformed, not_json = tmp / "a-file", tmp / "malformed.yaml", tmp / "not-results.json"
    missing, results = str(tmp / "missing.json"), str(tmp / "results.json")
    key, refused = ["--api-key", KEY], ["--api-key", PLANE_KEY]  # the target accepts KEY only
    at, away = ["--target", target, "--workspace", "ws"], ["--target", closed, "--workspace", "ws"]
    remote = [*at, *key]
    return {
        "run --profile KEY": (["run", *key, "--profile", KEY], "invalid choice"),
        "run --seed KEY": (["run", *key, "--seed", KEY], "--seed must be"),
        "run --workers 0": (["run", *key, "--workers", "0"], "--workers must be"),
        "run --rate-limit KEY": (["run", *key, "--rate-limit", KEY], "--rate-limit must be"),
        "run --only KEY": (["run", *remote, "--only", KEY], "unknown area"),
        "run --fault KEY": (["run", *key, "--fault", KEY], "unknown fault"),
        "run --variation KEY": (["run", *key, "--variation", KEY], "unknown variation"),
        "run --behaviour KEY": (["run", *key, "--behaviour", KEY], "unknown behaviour"),
        "run --fault with --target": (
            ["run", *remote, "--fault", "x"],
            "only apply to the embedded",
        ),
        "run --report-dir file": (["run", *remote, "--report-dir", str(a_file / "r")], "is a file"),
        "run --baseline missing": (["run", *remote, "--baseline", missing], "cannot read baseline"),
        "run --baseline malformed": (
            ["run", *remote, "--baseline", str(malformed)],
            "must be a mapping",
        ),
        "run --baseline KEY": (["run", *remote, "--baseline", KEY], "cannot read baseline"),
        "run --write-baseline dir": (
            ["run", *remote, "--write-baseline", str(tmp)],
            "is a directory",
        ),
        "run --target KEY": (
            ["run", *key, "--target", KEY, "--workspace", "ws"],
            "is not an http(s) URL",
        ),
        "run --target ftp": (
            ["run", *key, "--target", "ftp://x", "--workspace", "ws"],
            "is not an http(s) URL",
        ),
        "run no workspace": (["run", *key, "--target", target], "no workspace"),
        "run --workspace KEY": (
            ["run", *key, "--target", target, "--workspace", KEY],
            "was not found",
        ),
        "run unknown workspace": (
            ["run", *key, "--target", target, "--workspace", "other"],
            "was not found",
        ),
        "run --project KEY": (["run", *remote, "--project", KEY], "is not usable"),
        "run unreachable": (["run", *away, *key], "cannot reach"),
        "run key refused and echoed": (["run", *at, *refused], "rejected the API key"),
        "run key refused (env)": (["run", *at], "rejected the API key"),
        "run --api-key=KEY refused": (
            ["run", *at, f"--api-key={PLANE_KEY}"],
            "rejected the API key",
        ),
        "run --project UUID": (["run", *remote, "--project", UUID], "is not usable"),
        "run --compare-shapes --read-only": (
            ["run", *remote, "--compare-shapes", "--read-only"],
            "not with --read-only",
        ),
        "serve --port KEY": (["serve", *key, "--port", KEY], "--port must be"),
        "serve --port 0": (["serve", *key, "--port", "0"], "--port must be"),
        "serve --fault KEY": (["serve", *key, "--fault", KEY], "unknown fault"),
        "serve --rate-window KEY": (["serve", *key, "--rate-window", KEY], "--rate-window must be"),
        "requirements extra": (["requirements", "--area", "auth", KEY], "unrecognized arguments"),
        "faults extra": (["faults", "--verbose", KEY], "unrecognized arguments"),
        "variations extra": (["variations", "-x", KEY], "unrecognized arguments"),
        "behaviours --release KEY": (["behaviours", "--release", KEY], "invalid choice"),
        "behaviours extra": (["behaviours", "--api_key", KEY], "unrecognized arguments"),
        "replay missing report": (["replay", missing, "AUTH-002", *key], "cannot read"),
        "replay not results": (["replay", str(not_json), "AUTH-002", *key], "is not valid JSON"),
        "replay KEY as the id": (["replay", results, KEY, *remote], "shows no requirement"),
        "replay nothing recorded": (["replay", results, "AUTH-001", *remote], "no exchange"),
        "replay --target KEY": (
            ["replay", results, "AUTH-002", *key, "--target", KEY, "--workspace", "ws"],
            "is not an http(s) URL",
        ),
        "replay unreachable": (["replay", results, "AUTH-002", *away, *key], "cannot reach"),
        "replay key refused and echoed": (
            ["replay", results, "AUTH-002", *at, *refused],
            "rejected the API key",
        ),
        "replay key refused (env)": (["replay", results, "AUTH-002", *at], "rejected the API key"),
        "replay setup refused and echoed": (
            ["replay", results, "AUTH-002", *remote],
            "could not be made",
        ),
        "diff missing files": (["diff", missing, missing], "cannot read"),
        "diff not results": (["diff", str(not_json), str(not_json)], "is not valid JSON"),
        "shapes no subcommand": (["shapes", "--api-key", KEY], "invalid choice"),
        "shapes record no target": (["shapes", "record", *key], "give --target"),
        "shapes record unreachable": (["shapes", "record", *away, *key], "did not answer"),
        "shapes record key refused": (
            ["shapes", "record", *at, *refused, "--out", str(tmp / "o")],
            "did not accept the key",
        ),
        "shapes compare key refused": (
            ["shapes", "compare", *at, *refused],
            "did not accept the key",
        ),
        "shapes compare key refused (env)": (["shapes", "compare", *at], "did not accept the key"),
        "shapes compare --against missing": (
            ["shapes", "compare", *at, "--against", missing],
            "No such file",
        ),
        "shapes compare --observed KEY": (
            ["shapes", "compare", *key, "--observed", KEY],
            "No such file",
        ),
        "shapes compare --against malformed": (
            ["shapes", "compare", "--against", str(not_json), "--observed", str(not_json), *key],
            "Expecting property name",
        ),
    }


def _write_files(tmp: Path) -> None:
    (tmp / "a-file").write_text("x")
    (tmp / "malformed.yaml").write_text("requirements: [1, 2]")
    (tmp / "not-results.json").write_text("{")
    write_results(sample_result(), tmp / "results.json")  # AUTH-002 records a GET of users/me/


CASES = list(_wrong_values(Path("/unused"), "http://x", "http://y"))


@pytest.mark.parametrize("case", CASES)
def test_every_exit_2_path_prints_no_key(
    case: str,
    tmp_path: Path,
    hostile_target: str,
    closed_port: str,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # a run that got further would write reports/ here, not in the repo
    _write_files(tmp_path)
    argv, words = _wrong_values(tmp_path, hostile_target, closed_port)[case]
    assert words in _exits_2_without_a_key(argv, capfd)


def test_every_subcommand_has_its_own_cases() -> None:
    covered = {" ".join(case.split()[:2]) for case in CASES} | {c.split()[0] for c in CASES}
    assert set(_subcommands()) <= covered, set(_subcommands()) - covered


def test_shapes_takes_the_key_like_run(
    hostile_target: str, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--api-key` is the key sent (the hostile target says it back: scrubbed), and without it
    PLANE_API_KEY is."""
    sent = _HostileTarget.keys_sent
    sent.clear()
    remote = ["--target", hostile_target, "--workspace", "ws"]
    _exits_2_without_a_key(["shapes", "compare", *remote, "--api-key", PLANE_KEY], capfd)
    assert set(sent) - {""} == {PLANE_KEY}  # ("": a probe the recorder sends without a key)
    sent.clear()
    _exits_2_without_a_key(["shapes", "record", *remote], capfd)
    assert set(sent) - {""} == {ENV_KEY}
    monkeypatch.delenv("PLANE_API_KEY")
    assert "give --api-key or set PLANE_API_KEY" in _exits_2_without_a_key(
        ["shapes", "record", *remote], capfd
    )


def test_the_scrubber_of_the_line() -> None:
    line = ["run", "--api_key", "k1", "--token=k2", "--workspace", "ws", "--key", "--x"]
    assert command_line_secrets(line) == ("k1", "k2")  # `--key --x`: no value given
    assert command_line_secrets(["run", KEY, "--project", UUID]) == (KEY,)
    assert looks_like_key(PLANE_KEY) and looks_like_key(KEY)
    for harmless in ("reports/junit.xml", "standard", UUID, "acme-production-workspace-2024",
                     "http://127.0.0.1:8000", "12345678901234567890123456"):  # fmt: skip
        assert not looks_like_key(harmless), harmless
    message = "unrecognized arguments: --api_key k1 --token=k2 k10"
    assert scrub_arguments(message, line) == (
        "unrecognized arguments: --api_key [redacted] --token=[redacted] k10"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "conformance", "run", "--target", "http://127.0.0.1:9", "--api_key", KEY],
        ["-m", "conformance", "shapes", "compare", "--api_key", PLANE_KEY],
        ["-m", "conformance.shapes", "compare", "--api_key", SHORT_KEY],
        ["-m", "conformance.shapes", "record", "--apikey", KEY, "--target", "x"],
    ],
    ids=lambda argv: " ".join(argv[1:4]),
)
def test_the_real_entry_points(argv: list[str], tmp_path: Path) -> None:
    """The console script's path (sys.argv, the interpreter's own streams), in a process."""
    env = {**os.environ, "PLANE_API_KEY": ENV_KEY}
    done = subprocess.run(
        [sys.executable, *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip()
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr

"""A pre-imported interpreter that forks one `plane-conformance run` per request.

The fault matrix makes about a hundred runs. Each fresh `python -m conformance run` spends over
a second of CPU importing pytest, schemathesis and hypothesis and reading the spec before its
first request. This process does that once, then forks a child per run: the child is a new
process (its own signal handlers, state, output files and exit code), exactly the command's
`main`, minus the start-up. Where there is no `fork` (Windows) the caller runs the command.

    python -m conformance.prewarmed     # then, per line on stdin:
    in:  {"argv": ["run", ...], "stdout": PATH, "stderr": PATH}
    out: {"pid": N} once the child runs, {"code": N} when it has ended (-N: killed by signal N)
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import runpy
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

# Only a parent without threads forks safely; this module's own process starts none.
CAN_FORK = hasattr(os, "fork")


# What every run imports first: the libraries, then the command and what it always loads. Named,
# not imported here: this module only preloads, and runs the command as `python -m` would.
PRELOAD = (
    "hypothesis",
    "pytest",
    "schemathesis",
    "xdist",
    "conformance.cli",
    "conformance.runner",
    "conformance.fuzz.campaign",
    "conformance.report",
)
# Loaded once (each is cached for the process): the spec, the catalogue, the report template.
PRELOAD_CALLS = (
    ("conformance.spec.catalogue", "catalogue"),
    ("conformance.spec.openapi", "load_openapi"),
    ("conformance.report.html", "report_template"),
)


def _warm_up() -> None:
    """Import and load what every run needs first. The check modules themselves are left to
    each run's pytest, which rewrites their asserts (cached under PYTHONPYCACHEPREFIX)."""
    for name in PRELOAD:
        importlib.import_module(name)
    for module, function in PRELOAD_CALLS:
        getattr(importlib.import_module(module), function)()


def _child(argv: list[str], stdout: str, stderr: str) -> None:
    """Become one `plane-conformance ARGV` with its output in two files; never returns."""
    code = 1
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for fd, path in ((1, stdout), (2, stderr)):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(target, fd)
            os.close(target)
        sys.stdout = sys.__stdout__  # the parent's stdout was the protocol's pipe, now the file
        sys.argv = ["plane-conformance", *argv]
        try:
            runpy.run_module("conformance", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exit_:  # `python -m conformance` ends in sys.exit(main())
            code = _exit_code(exit_.code)
    except BaseException:  # the child must never return into the parent's loop
        import traceback

        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what a normal interpreter exit would run
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _exit_code(code: object) -> int:
    """The process's exit code for sys.exit(code), as the interpreter makes it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def serve() -> None:
    """The loop of `python -m conformance.prewarmed`: one forked run per request line."""
    _warm_up()
    protocol = sys.stdout
    sys.stdout = sys.stderr  # nothing but the protocol goes to the caller's pipe
    for line in sys.stdin:
        request = json.loads(line)
        protocol.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(list(request["argv"]), request["stdout"], request["stderr"])
        print(json.dumps({"pid": pid}), file=protocol, flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), file=protocol, flush=True)


class PrewarmedInterpreter:
    """One `python -m conformance.prewarmed` process, running one command at a time."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        # Its runs and their servers keep their bytecode (the checks' rewritten asserts too) in
        # a folder of this interpreter's own, whatever PYTHONDONTWRITEBYTECODE says: the second
        # run on reads what the first compiled, and the checkout is left as it was.
        environment = {**os.environ, "PYTHONPYCACHEPREFIX": str(workdir / "pycache")}
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "conformance.prewarmed"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self._runs = 0

    def run(self, argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
        """`plane-conformance ARGV` in a forked child, as `subprocess.run(capture_output=True)`
        would give it; killed after `timeout` seconds (then its code is -9)."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._runs += 1
        out = self._workdir / f"prewarmed-{self._process.pid}-{self._runs}.out"
        err = out.with_suffix(".err")
        request = {"argv": list(argv), "stdout": str(out), "stderr": str(err)}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        child = json.loads(self._process.stdout.readline())["pid"]
        # A run that hangs is killed, as subprocess.run's timeout would; waitpid then answers.
        timer = threading.Timer(timeout, _kill, (child,))
        timer.start()
        try:
            code = json.loads(self._process.stdout.readline())["code"]
        finally:
            timer.cancel()
        return subprocess.CompletedProcess(
            [sys.executable, "-m", "conformance", *argv],
            code,
            out.read_text(encoding="utf-8", errors="replace"),
            err.read_text(encoding="utf-8", errors="replace"),
        )

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)

    def __enter__(self) -> PrewarmedInterpreter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:
            self._process.kill()
        self.close()


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)


if __name__ == "__main__":
    serve()

"""The fault matrix's pre-imported interpreter: a forked run is the command, minus the start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conformance.prewarmed import CAN_FORK, PrewarmedInterpreter

pytestmark = pytest.mark.skipif(not CAN_FORK, reason="no fork on this system")


def test_a_forked_command_answers_as_the_command_does(tmp_path: Path) -> None:
    commands = (["faults"], ["run", "--no-such-option"])
    fresh = [
        subprocess.run([sys.executable, "-m", "conformance", *argv], capture_output=True, text=True)
        for argv in commands
    ]
    with PrewarmedInterpreter(tmp_path) as interpreter:
        forked = [interpreter.run(argv, timeout=60) for argv in commands]
    for a, b in zip(fresh, forked, strict=True):
        assert (b.returncode, b.stdout, b.stderr) == (a.returncode, a.stdout, a.stderr)
    assert forked[1].returncode == 2 and "--no-such-option" in forked[1].stderr


def test_one_interpreter_runs_one_command_after_another(tmp_path: Path) -> None:
    with PrewarmedInterpreter(tmp_path) as interpreter:
        codes = [interpreter.run(["faults"], timeout=60).returncode for _ in range(3)]
    assert codes == [0, 0, 0]

"""What the plugin prints on pytest's terminal: the target in the header, the figures at the end."""

from __future__ import annotations

import contextlib

import pytest

from conformance.plugin.state import state_of
from conformance.target.config import ConfigError


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = state_of(config)
    if not state.active or state.is_worker:
        return []
    with contextlib.suppress(ConfigError):
        target = state.target()
        return [
            f"plane-conformance: target {target.base_url}, workspace {target.workspace}, "
            f"profile {target.profile}, seed {target.seed}, run {target.run_id}"
        ]
    return []


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    state = state_of(config)
    if not state.active or state.is_worker or state.run_result is None:
        return
    result = state.run_result
    counts = ", ".join(f"{n} {status}" for status, n in result.summary.items() if n)
    terminalreporter.write_line(
        f"plane-conformance: {result.requests_sent} requests sent to {result.target}; "
        f"requirements: {counts}; leftovers: {result.leftovers}; seed {result.seed}"
    )
    for path in state.report_paths:
        terminalreporter.write_line(f"plane-conformance: wrote {path}")

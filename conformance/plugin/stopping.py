"""A stop request inside pytest (`conformance.interrupts`): where it raises, waits or is handed on.

* In every process, a check's setup, call and teardown are IMMEDIATE: a request stops the check
  where it is (a KeyboardInterrupt: pytest ends the session as interrupted and runs its end).
* The plugin's own bookkeeping of an outcome is DEFERRED (`hooks`): it is never left half done.
* An xdist worker takes no group signal (it ignores SIGINT and SIGTERM: a terminal's Ctrl-C or a
  CI runner's SIGTERM reaches the whole group) and is DEFERRED outside its checks, where xdist
  talks to the controller: its controller tells it (`interrupts.FORWARDED`, `xdist`), and it
  stops at once inside a check, else before the next one.
* The session's end is FINISHING (`hooks.pytest_sessionfinish`): cleanup goes on after the first
  request; a second one abandons it, and what is left is said.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from conformance.interrupts import FORWARDED, Mode, Stop, ignore_group_signals
from conformance.plugin.state import PlaneState

STOPPED = "the run was told to stop"


class StopHooks:
    """A check's phases are IMMEDIATE; the session is told to stop on the first request."""

    def __init__(self, state: PlaneState) -> None:
        self.state = state
        self.stop: Stop = state.stop

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.state.session = session

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        with self.stop.entered(Mode.IMMEDIATE):
            return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        with self.stop.entered(Mode.IMMEDIATE):
            return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, None, None]:
        with self.stop.entered(Mode.IMMEDIATE):
            return (yield)


def take_signals(state: PlaneState, config: pytest.Config) -> None:
    """This process's part in stopping (an active conformance run only)."""
    stop = state.stop
    if state.is_worker:
        ignore_group_signals()
        if FORWARDED is not None:
            stop.install((FORWARDED,))
        stop.set_base(Mode.DEFERRED)
    elif not stop.is_installed:  # pytest run directly (the runner installs them itself)
        stop.install()
        state.owns_signals = True
    stop.when_requested(lambda: _stop_session(state))
    config.pluginmanager.register(StopHooks(state), "plane_conformance_stop")


def _stop_session(state: PlaneState) -> None:
    """No further check starts (set from the signal handler: a flag only)."""
    session = state.session
    if session is not None and not session.shouldstop:
        session.shouldstop = STOPPED

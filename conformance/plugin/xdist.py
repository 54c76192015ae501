"""The plugin under pytest-xdist: what the controller shares with its workers, and the scheduling.

The run's resolved configuration (and whether the run is active) goes to every worker, and each
worker's late ledger rows, request, leftover and pacing counts come back at its end, each as one
typed value of `wire` under one key. The scheduling, with `--dist loadfile`: each check module
runs on one worker, so its module- and session-scoped seeding is not repeated on every worker. A
test parametrized with an id of the form "@NAME" (e.g. `test_x[@schema-2]`) instead joins the
work unit NAME with every other test of that id: a session-scoped campaign split into parts then
runs each part once, on one worker, and the parts spread over the workers. (xdist's own `--dist
loadgroup` marks groups with a node-id suffix that pytest 9 no longer applies, so its groups are
silently spread.) Grouped units are handed out first: they are the longest, and a long unit
started last becomes the run's tail.

The route map the controller discovered (conformance/target/routes.py) goes to every worker too.

Registered by the plugin only when xdist is loaded.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Generator
from typing import Protocol

import pytest
from xdist.scheduler import LoadFileScheduling

from conformance.interrupts import FORWARDED, Mode, spawning_shielded
from conformance.plugin.state import PlaneState
from conformance.plugin.stopping import STOPPED
from conformance.plugin.wire import KEY, WorkerReport

_GROUP_ID = re.compile(r"\[@([^\[\]]+)\]$")


class WorkerNode(Protocol):
    """What the plugin uses of xdist's WorkerController (xdist ships no types)."""

    workerinput: dict[str, object]
    gateway: object


def _pid_of(node: WorkerNode) -> int | None:
    """The worker's process id: execnet's remote info, which xdist reads (and caches) when it
    sets the node up, before the worker runs anything."""
    rinfo = getattr(node.gateway, "_rinfo", None)
    pid = getattr(rinfo(), "pid", None) if callable(rinfo) else None
    return pid if isinstance(pid, int) else None


class XdistHooks:
    """Hooks that exist only with pytest-xdist: hand each worker the run's configuration,
    gather what each worker reports at its end."""

    def __init__(self, state: PlaneState) -> None:
        self.state = state
        self.ready: dict[WorkerNode, int] = {}  # workers that take FORWARDED, by their pid

    def pytest_configure_node(self, node: WorkerNode) -> None:
        node.workerinput[KEY] = self.state.worker_input().to_wire()

    # -- stopping: the controller tells its workers (conformance.plugin.stopping) -------------
    def _distributing(self, config: pytest.Config) -> bool:
        return self.state.active and not self.state.is_worker and bool(config.getvalue("dist"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> Generator[None, None, None]:
        """The workers are started here (xdist's session start): with SIGINT and SIGTERM
        blocked, so that a group signal never reaches them before they ignore it."""
        shield = spawning_shielded() if self._distributing(session.config) else None
        with shield or contextlib.nullcontext():
            return (yield)

    def pytest_testnodeready(self, node: WorkerNode) -> None:
        """From now on the worker has its handler for FORWARDED (set in its pytest_configure)."""
        pid = _pid_of(node)
        if pid is not None:
            self.ready[node] = pid

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Generator[None, None, object]:
        """While the workers run the checks, a stop request is theirs to act on: each one is
        handed on to every ready worker, and xdist stops handing out work (a worker not ready
        yet is shut down by xdist when it is); the controller waits for their cleanup and
        their reports (a KeyboardInterrupt here would make xdist kill them mid-cleanup)."""
        if not self._distributing(session.config) or FORWARDED is None:
            return (yield)
        stop = self.state.stop
        stop.forward_to(self._forward)
        stop.when_requested(lambda: self._stop_handing_out(session.config))
        if stop.requested:
            self._stop_handing_out(session.config)
        with stop.entered(Mode.DELEGATING):
            return (yield)

    def _forward(self, signum: int) -> None:
        assert FORWARDED is not None
        for pid in list(self.ready.values()):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, FORWARDED)

    @staticmethod
    def _stop_handing_out(config: pytest.Config) -> None:
        dsession = config.pluginmanager.getplugin("dsession")
        if dsession is not None and not getattr(dsession, "shouldstop", None):
            dsession.shouldstop = STOPPED

    def pytest_testnodedown(self, node: WorkerNode, error: object) -> None:
        self.ready.pop(node, None)
        output = getattr(node, "workeroutput", None) or {}
        if KEY in output:
            report = WorkerReport.from_wire(output[KEY])
            self.state.add_worker(report)
            if report.aborted and not self.state.aborted:
                self.state.aborted = report.aborted

    def pytest_xdist_make_scheduler(
        self, config: pytest.Config, log: object
    ) -> FileAndGroupScheduling | None:
        """Under --dist loadfile: modules per worker, "[@NAME]" groups apart and first."""
        if not self.state.active or config.getvalue("dist") != "loadfile":
            return None
        return FileAndGroupScheduling(config, log)


def work_unit(nodeid: str) -> str:
    """The unit a test is scheduled with: "@NAME" for a grouped test, else its module."""
    match = _GROUP_ID.search(nodeid)
    return f"@{match.group(1)}" if match else nodeid.split("::", 1)[0]


class FileAndGroupScheduling(LoadFileScheduling):
    """`--dist loadfile`, with "@NAME" groups as units of their own, scheduled first."""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)

    def _assign_work_unit(self, node: WorkerNode) -> None:
        grouped = next((unit for unit in self.workqueue if unit.startswith("@")), None)
        if grouped is not None:
            self.workqueue.move_to_end(grouped, last=False)
        super()._assign_work_unit(node)

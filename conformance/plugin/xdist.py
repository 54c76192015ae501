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

import re
from typing import Protocol

import pytest
from xdist.scheduler import LoadFileScheduling

from conformance.plugin.state import PlaneState
from conformance.plugin.wire import KEY, WorkerReport

_GROUP_ID = re.compile(r"\[@([^\[\]]+)\]$")


class WorkerNode(Protocol):
    """What the plugin uses of xdist's WorkerController (xdist ships no types)."""

    workerinput: dict[str, object]


class XdistHooks:
    """Hooks that exist only with pytest-xdist: hand each worker the run's configuration,
    gather what each worker reports at its end."""

    def __init__(self, state: PlaneState) -> None:
        self.state = state

    def pytest_configure_node(self, node: WorkerNode) -> None:
        node.workerinput[KEY] = self.state.worker_input().to_wire()

    def pytest_testnodedown(self, node: WorkerNode, error: object) -> None:
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

"""pytest-xdist scheduling of the checks: whole modules per worker, a split campaign's parts apart.

With `--dist loadfile` each check module runs on one worker, so its module- and session-scoped
seeding is not repeated on every worker. A test parametrized with an id of the form "@NAME" (e.g.
`test_x[@schema-2]`) instead joins the work unit NAME with every other test of that id: a
session-scoped campaign split into parts then runs each part once, on one worker, and the parts
spread over the workers. (xdist's own `--dist loadgroup` marks groups with a node-id suffix that
pytest 9 no longer applies, so its groups are silently spread.) Grouped units are handed out
first: they are the longest, and a long unit started last becomes the run's tail.
"""

from __future__ import annotations

import re
from typing import Any

from xdist.scheduler import LoadFileScheduling

_GROUP_ID = re.compile(r"\[@([^\[\]]+)\]$")


def work_unit(nodeid: str) -> str:
    """The unit a test is scheduled with: "@NAME" for a grouped test, else its module."""
    match = _GROUP_ID.search(nodeid)
    return f"@{match.group(1)}" if match else nodeid.split("::", 1)[0]


class FileAndGroupScheduling(LoadFileScheduling):
    """`--dist loadfile`, with "@NAME" groups as units of their own, scheduled first."""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)

    def _assign_work_unit(self, node: Any) -> None:
        grouped = next((unit for unit in self.workqueue if unit.startswith("@")), None)
        if grouped is not None:
            self.workqueue.move_to_end(grouped, last=False)
        super()._assign_work_unit(node)

"""Real objects for the path parameters of documented operations, and for their lists to hold.

A check judged on every documented operation needs each operation's path filled with ids of real
objects (so that the rule, not a missing object, decides the answer) and, for a list, at least one
object in it. `Seeded` makes them on first use, in a project of the module's own (the schema
campaign's `FuzzProject`: cycles, modules and intake on; with --project, inside that project,
changing nothing of it), with the minimal documented create bodies. What cannot be had raises the
right rung: *blocked* with the server's words when the target refused a step, *not verified* when
the step broke (a 5xx, STATUS-010's) or the suite has no way to make such an object, *not
selected* in read-only mode.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from conformance.checks._documented import PARAMETER, WORKSPACE_PARAMETERS, fill, path_ids
from conformance.fuzz.project import KIND_OF_SEGMENT, FuzzProject
from conformance.outcomes import Blocked, NotSelected, NotVerified, Outcome, SetupRefused
from conformance.target.answers import describe
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

OK = range(200, 300)
MEMBERSHIPS = {"module-issues": "module", "cycle-issues": "cycle"}  # list -> container kind
# Kinds a project's lists hold without the suite making one (Plane seeds states; the project and
# the key's own membership exist; creating the work item records its activity).
SELF_POPULATED = frozenset({"project", "state", "member", "activity"})
IDENTIFIERS = ("project_identifier", "issue_identifier")
# Kinds a target may record in the background (Plane: a Celery task), so a read right after the
# create may not list them yet; asked again EVENTUAL_TRIES times, EVENTUAL_WAIT_S apart.
EVENTUAL = frozenset({"activity"})
EVENTUAL_TRIES = 4
EVENTUAL_WAIT_S = 0.5


class Seeded:
    """The objects one module works with, made on demand (each at most once)."""

    def __init__(
        self,
        client: TargetClient,
        scratch: ScratchResources,
        target: TargetConfig,
        me: str,
        work_item: dict[str, Any] | None = None,
    ) -> None:
        self.client, self.scratch, self.target, self.me = client, scratch, target, me
        self._work_item_body = work_item or {}  # extra fields of the module's own work item
        self._project: FuzzProject | None = None
        self._refused: Outcome | None = None
        self._done: dict[str, str] = {}  # one-off steps (membership, archive) -> their id
        self._problems: dict[str, Outcome] = {}

    # -- the project and its objects ---------------------------------------------------------

    @property
    def project(self) -> FuzzProject:
        if self.target.read_only:
            raise NotSelected("read-only mode: these checks make objects of their own")
        if self._refused is not None:
            raise self._refused
        if self._project is None:
            try:
                self._project = FuzzProject(self.client, self.scratch, self.target.workspace)
            except SetupRefused as refused:
                self._refused = Blocked(f"no project to work in: {refused}")
                raise self._refused from None
        return self._project

    def work_item(self) -> str:
        """The module's own work item (created with `work_item` fields, e.g. a state and the
        key's own user), the parent of every comment, link and activity made here."""
        project = self.project
        if "work_item" not in project.ids:
            made = project.fresh("work_item", self._work_item_body)
            if made is None:
                raise self._unavailable("work_item")
            project.ids["work_item"] = made
        return project.ids["work_item"]

    def id_of(self, kind: str) -> str:
        """The id of the module's object of `kind` (work_item, label, cycle, comment...). In
        read-only mode only the project read (--project, or the first) and the key's user."""
        if kind == "member":
            return self.me
        if self.target.read_only and kind == "project":
            try:
                return self.scratch.project_id
            except SetupRefused as refused:
                raise Blocked(f"no project to read: {refused}") from None
        if kind == "project":
            return self.project.ids["project"]
        if kind in ("work_item", "comment", "link", "activity", "attachment"):
            self.work_item()
        value = self.project.get(kind)
        for _ in range(EVENTUAL_TRIES if kind in EVENTUAL else 0):
            if value is not None:
                break
            # Plane records a work item's activity in a background task: a read right after
            # the create may find none yet. Ask again a few times before giving up.
            time.sleep(EVENTUAL_WAIT_S)
            self.project.problems.pop(kind, None)
            value = self.project.get(kind)
        if value is None:
            raise self._unavailable(kind)
        return value

    def _unavailable(self, kind: str) -> Outcome:
        project = self.project
        problem = project.problems.get(kind) or project.problems.get("work_item")
        words = kind.replace("_", " ")
        if problem is None:
            return NotVerified(f"the suite has no way to make a {words}")
        if kind in project.broken:
            return NotVerified(f"no {words} could be made: {problem} (judged by STATUS-010)")
        return Blocked(f"no {words} could be made: {problem}")

    def _step(self, key: str, path: str, body: dict[str, Any] | None = None) -> None:
        """A one-off POST the module needs (membership, archive); a refusal is remembered."""
        if key in self._done:
            return
        if key in self._problems:
            raise self._problems[key]
        response = self.client.post(self.project.path(path), json=body)
        if response.status_code not in OK:
            outcome: Outcome = (
                NotVerified(f"{describe(response)} (judged by STATUS-010)")
                if response.status_code >= 500
                else Blocked(describe(response))
            )
            self._problems[key] = outcome
            raise outcome
        self._done[key] = path

    def member_of(self, container: str) -> str:
        """A cycle or module holding the module's work item (its id)."""
        holder = self.id_of(container)
        segment = f"{container}s/{holder}/{container}-issues/"
        self._step(f"member:{container}", segment, {"issues": [self.work_item()]})
        return holder

    def archived(self, kind: str) -> str:
        """An archived cycle or module of the module's own (a finished one: what archiving
        expects; a module completed, a cycle that ended)."""
        key = f"archived:{kind}"
        if key in self._problems:
            raise self._problems[key]
        if key not in self._done:
            extra = (
                {"status": "completed"}
                if kind == "module"
                else {"start_date": "2020-01-06", "end_date": "2020-01-19"}
            )
            made = self.project.fresh(kind, extra)
            if made is None:
                raise self._unavailable(kind)
            self._step(key, f"{kind}s/{made}/archive/")
            self._done[key] = made
        return self._done[key]

    # -- paths ---------------------------------------------------------------------------------

    def values(self, template: str, unknown: dict[str, str] | None = None) -> dict[str, str]:
        """Real ids for every path parameter of `template`, except those given in `unknown`."""
        values = {name: self.target.workspace for name in WORKSPACE_PARAMETERS}
        values |= unknown or {}
        segments = template.strip("/").split("/")
        for index, segment in enumerate(segments):
            for name in PARAMETER.findall(segment):
                if name in values:
                    continue
                if name in IDENTIFIERS:  # PROJ-123: the work item's project and sequence
                    self.work_item()
                    identifiers = {
                        "project_identifier": self.project.identifier,
                        "issue_identifier": self.project.sequence_id or "1",
                    }
                    values[name] = identifiers[name]
                    continue
                before = segments[index - 1] if index else ""
                after = segments[index + 1] if index + 1 < len(segments) else ""
                values[name] = self._value(before, after)
        return values

    def _value(self, before: str, after: str) -> str:
        kind = KIND_OF_SEGMENT.get(before.removeprefix("archived-"))
        if kind is None:
            raise NotVerified(f"the suite has no way to make an object for {before}/")
        if before.startswith("archived-"):
            return self.archived(kind)
        if after in MEMBERSHIPS:
            return self.member_of(MEMBERSHIPS[after])
        return self.id_of(kind)

    def probe_path(self, template: str) -> str:
        """`template` with the module's project and random ids for every other object: to ask
        whether the target serves an operation at all when its objects cannot be had."""
        values = {name: str(uuid.uuid4()) for name in path_ids(template)}
        if "project_id" in values:
            values["project_id"] = self.id_of("project")
        return self.path(template, values)

    def path(self, template: str, unknown: dict[str, str] | None = None) -> str:
        """`template` filled with real ids (and the `unknown` ones as given)."""
        return fill(template, self.values(template, unknown))

    def populate(self, template: str) -> None:
        """Make sure the collection `template` lists holds an object of the module's own. Not
        needed where a project always has some (projects, states, members) or the work item
        brings them (activities)."""
        self.project  # noqa: B018 - the module's own project is what a project list holds
        last = [s for s in template.strip("/").split("/") if not s.startswith("{")][-1]
        kind = KIND_OF_SEGMENT.get(last.removeprefix("archived-"))
        if last in MEMBERSHIPS:
            self.member_of(MEMBERSHIPS[last])
        elif last.startswith("archived-") and kind is not None:
            self.archived(kind)
        elif kind is not None and kind not in SELF_POPULATED:
            self.id_of(kind)

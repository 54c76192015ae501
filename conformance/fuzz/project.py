"""The project the campaign works in, and path parameters that name objects inside it.

Without --project, every part of the campaign creates a project of its own, turns its cycles,
modules and intake on (documented project settings; Plane creates a project with them off), and
deletes it at the end, so no other area's scratch objects, and none of the user's, are touched.
With --project the campaign works inside the given project and changes nothing of it: no settings,
no project-level writes (see `campaign.PROJECT_WRITES`), only objects of its own, each registered
with the scratch resources and deleted again. Objects a path needs are made on demand, with
the minimal documented create bodies; a refusal is kept with the server's words, so that the
operations that needed the object are *blocked*, not failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from conformance.fuzz.transport import FuzzOperation, created_id
from conformance.outcomes import Outcome
from conformance.target.answers import describe, object_of
from conformance.target.client import TargetClient
from conformance.target.scratch import ScratchResources

# Collection segment -> kind of object its id names.
KIND_OF_SEGMENT = {
    "projects": "project",
    "work-items": "work_item",
    "issues": "work_item",
    "cycle-issues": "work_item",
    "module-issues": "work_item",
    "cycles": "cycle",
    "archived-cycles": "cycle",
    "modules": "module",
    "archived-modules": "module",
    "labels": "label",
    "states": "state",
    "comments": "comment",
    "links": "link",
    "attachments": "attachment",
    "issue-attachments": "attachment",
    "intake-issues": "intake",
    "stickies": "sticky",
    "activities": "activity",
    "project-members": "member",
}
TEXT_LIMIT = 200


class FuzzProject:
    """The campaign's project and the objects inside it, created on demand.

    Construction raises SetupRefused (with the server's words) when the project cannot be had.
    The project is made by the scratch resources, the one place that creates and sets up a
    project (features on, adaptations applied), and every object inside it is created through
    them too, so the target's dialect is learned and applied in one place.
    """

    def __init__(self, client: TargetClient, scratch: ScratchResources, workspace: str) -> None:
        self.client, self.scratch, self.workspace = client, scratch, workspace
        self.sequence_id: str | None = None
        self.problems: dict[str, str] = {}  # kind -> why no object of that kind could be made
        self.broken: set[str] = set()  # kinds whose create (or upload) answered a 5xx
        self.absent: set[str] = set()  # kinds whose create is not routed (CAP-001's)
        self.ids: dict[str, str] = {}
        self.own = not scratch.config.project_id
        if self.own:
            project, self.features = scratch.new_project("schema project", stem="Z")
        else:  # the --project given, read (never changed) by the scratch resources
            project, self.features = scratch.project, scratch.features
        self.ids["project"] = str(project["id"])
        self.identifier = str(project.get("identifier") or "")

    def path(self, suffix: str) -> str:
        return f"/api/v1/workspaces/{self.workspace}/projects/{self.ids['project']}/{suffix}"

    def _post(self, kind: str, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        try:
            response = self.scratch.post(path, body, features=self.features)
        except Outcome as outcome:  # the feature is off in the project (cycles...)
            self.problems[kind] = outcome.reason
            return None
        created = object_of(response)
        if not 200 <= response.status_code < 300 or created is None:
            self.problems[kind] = describe(response)
            if response.status_code >= 500:
                self.broken.add(kind)
            elif self.client.routes.looks_unrouted(response):
                # Not refused: the create is missing, CAP-001's departure (one verdict).
                self.absent.add(kind)
            return None
        return created

    def fresh(self, kind: str, extra: dict[str, Any] | None = None) -> str | None:
        """A new object of `kind` (its id), created inside the project with `extra` fields in
        its create body; None if impossible."""
        if kind in self.problems:
            return None
        name = self.scratch.name(f"schema {kind}")

        def work_item() -> str | None:
            return self.get("work_item")

        recipes: dict[str, Callable[[], tuple[str, dict[str, Any]] | None]] = {
            "work_item": lambda: ("work-items/", {"name": name}),
            "cycle": lambda: ("cycles/", {"name": name}),
            "module": lambda: ("modules/", {"name": name}),
            "label": lambda: ("labels/", {"name": name, "color": "#3366aa"}),
            "state": lambda: ("states/", {"name": name, "color": "#3366aa", "group": "backlog"}),
            "intake": lambda: ("intake-issues/", {"issue": {"name": name}}),
            "comment": lambda: (
                f"work-items/{work_item()}/comments/",
                {"comment_html": "<p>x</p>"},
            ),
            "link": lambda: (
                f"work-items/{work_item()}/links/",
                {"url": f"https://example.com/{name.replace(' ', '-')}", "title": name},
            ),
            "attachment": lambda: (
                f"work-items/{work_item()}/attachments/",
                {"name": f"{name}.txt", "size": 1, "type": "text/plain"},
            ),
        }
        if kind == "sticky":
            return self._sticky(name)
        if kind == "activity":
            return self._activity(work_item())
        if kind == "member":
            return self._me()
        recipe = recipes.get(kind)
        made = recipe() if recipe else None
        if made is None or "None/" in made[0]:
            return None  # no recipe, or the work item it needs could not be made
        created = self._post(kind, self.path(made[0]), {**made[1], **(extra or {})})
        if created is None:
            return None
        if kind == "work_item" and self.sequence_id is None:
            self.sequence_id = str(created.get("sequence_id"))
        made_id = created_id(made[0], created)
        if made_id is None:
            self.problems[kind] = f"the create answer names no id: {str(created)[:TEXT_LIMIT]}"
            return None
        if not self.own:  # (in its own project, everything goes with the project)
            # Registered by the id its path uses (the scratch resources take `id`, which for an
            # intake entry names no path): so that cleanup really deletes it.
            self.scratch.adopt(self.path(f"{made[0]}{made_id}/"))
        if kind == "attachment":
            return self._uploaded(made[0], made_id)
        return made_id

    def _uploaded(self, collection: str, attachment: str) -> str | None:
        """Mark a new attachment uploaded, as the documented upload flow ends: until then the
        server will not show it (Plane: 400 "The asset is not uploaded yet")."""
        response = self.client.patch(
            self.path(f"{collection}{attachment}/"), json={"is_uploaded": True}
        )
        if not 200 <= response.status_code < 300:
            self.problems["attachment"] = f"the upload could not be completed: {describe(response)}"
            if response.status_code >= 500:
                self.broken.add("attachment")
            return None
        return attachment

    def _sticky(self, name: str) -> str | None:
        path = f"/api/v1/workspaces/{self.workspace}/stickies/"
        sticky = self._post("sticky", path, {"name": name, "description_html": "<p>x</p>"})
        return str(sticky["id"]) if sticky is not None and "id" in sticky else None

    def _activity(self, work_item: str | None) -> str | None:
        if work_item is None:
            return None
        response = self.client.get(self.path(f"work-items/{work_item}/activities/"))
        body = object_of(response)
        results = body.get("results") if body is not None and response.status_code == 200 else None
        if not results:
            self.problems["activity"] = f"no activity to name: {describe(response)}"
            return None
        return str(results[0]["id"])

    def _me(self) -> str | None:
        """The key's own user: the one member the suite may name (never somebody else)."""
        response = self.client.get("/api/v1/users/me/")
        body = object_of(response)
        if response.status_code != 200 or body is None or not body.get("id"):
            self.problems["member"] = f"the key's own user is not known: {describe(response)}"
            return None
        return str(body["id"])

    def get(self, kind: str) -> str | None:
        """The long-lived object of `kind`, created the first time it is needed."""
        if kind not in self.ids:
            made = self.fresh(kind)
            if made is None:
                return None
            self.ids[kind] = made
        return self.ids[kind]


def _kind(path: str, parameter: str) -> str | None:
    segments = path.strip("/").split("/")
    for index, segment in enumerate(segments):
        if f"{{{parameter}}}" == segment and index > 0:
            return KIND_OF_SEGMENT.get(segments[index - 1])
    return None


class Unresolved(Exception):
    """No value for a path parameter: `refused` says whether the target refused a prerequisite
    (blocked) or the suite has no way to make one (not verified)."""

    def __init__(self, reason: str, *, refused: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.refused = refused


def resolve_path_parameters(
    operation: FuzzOperation, project: FuzzProject, *, fresh: bool
) -> dict[str, str]:
    """Scratch values for every path parameter of `operation` (raises `Unresolved`).

    With `fresh`, the object the operation acts on (its last path parameter) is a new one, so
    a DELETE or archive consumes nothing another case needs.
    """
    path = operation.path
    names = re.findall(r"\{([^{}]+)\}", path)
    values: dict[str, str] = {}
    for position, name in enumerate(names):
        if name == "workspace_slug":
            values[name] = project.workspace
            continue
        if name in ("project_identifier", "issue_identifier"):
            if project.get("work_item") is None:
                raise Unresolved(_why(project, "work_item", name), refused=True)
            values["project_identifier"] = project.identifier
            values["issue_identifier"] = project.sequence_id or "1"
            continue
        kind = _kind(path, name)
        if kind is None:
            raise Unresolved(f"the suite has no way to make an object for {name}", refused=False)
        last = position == len(names) - 1
        value: str | None
        if kind == "project":
            value = project.ids["project"]
        elif fresh and last and kind != "member":
            value = project.fresh(kind)
        else:
            value = project.get(kind)
        if value is None:
            # A prerequisite refused (4xx: permissions, a feature off) blocks the operation; one
            # that broke (5xx) is STATUS-010's departure, one not routed CAP-001's: they leave
            # the operation not verified.
            refused = kind in project.problems and kind not in project.broken | project.absent
            raise Unresolved(_why(project, kind, name), refused=refused)
        values[name] = value
    return values


def _why(project: FuzzProject, kind: str, name: str) -> str:
    problem = project.problems.get(kind) or project.problems.get("work_item") or "no recipe"
    judged = " (judged by STATUS-010)" if kind in project.broken else ""
    if kind in project.absent:
        judged = ": the create is not routed (judged by CAP-001)"
    return f"no scratch {kind.replace('_', ' ')} for {name}: {problem}{judged}"

"""The campaign's own scratch project, and path parameters that name objects inside it.

Every operation is fuzzed inside a project the campaign creates for itself, so no other area's
scratch objects, and none of the user's, are touched. Objects a path needs are made on demand.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from conformance.fuzz.transport import FuzzOperation
from conformance.target.client import TargetClient
from conformance.target.scratch import ScratchError, ScratchResources

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
}


class FuzzProject:
    """The campaign's own project and the objects inside it, created on demand."""

    def __init__(self, client: TargetClient, scratch: ScratchResources, workspace: str) -> None:
        self.client, self.scratch, self.workspace = client, scratch, workspace
        self.identifier = "Z" + secrets.token_hex(3).upper()[:5]
        created = scratch.create(
            f"/api/v1/workspaces/{workspace}/projects/",
            {"name": scratch.name("schema-project"), "identifier": self.identifier},
            expected=(200, 201),  # the create status is judged by the checks, not here
        )
        self.ids: dict[str, str] = {"project": created["id"]}
        self.sequence_id: str | None = None
        self.problems: dict[str, str] = {}  # kind -> why no object of that kind could be made

    def path(self, suffix: str) -> str:
        return f"/api/v1/workspaces/{self.workspace}/projects/{self.ids['project']}/{suffix}"

    def _post(self, kind: str, suffix: str, body: dict[str, Any]) -> dict[str, Any] | None:
        response = self.client.request("POST", self.path(suffix), json=body)
        if response.status_code >= 300:
            self.problems[kind] = f"POST {suffix} answered {response.status_code}"
            return None
        return dict(response.json())

    def fresh(self, kind: str) -> str | None:
        """A new object of `kind` (its id), created inside the project; None if impossible."""
        name = self.scratch.name(f"schema-{kind}")

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
                {"url": f"https://example.com/{name}", "title": name},
            ),
            "attachment": lambda: (
                f"work-items/{work_item()}/attachments/",
                {"name": f"{name}.txt", "size": 1, "type": "text/plain"},
            ),
        }
        if kind == "sticky":
            try:
                sticky = self.scratch.create(
                    f"/api/v1/workspaces/{self.workspace}/stickies/",
                    {"name": name, "description_html": "<p>x</p>"},
                    expected=(200, 201),
                )
            except ScratchError as error:  # the create was refused
                self.problems[kind] = str(error)[:200]
                return None
            return str(sticky["id"])
        if kind == "activity":
            response = self.client.request(
                "GET", self.path(f"work-items/{work_item()}/activities/")
            )
            results = response.json().get("results") if response.status_code == 200 else None
            return str(results[0]["id"]) if results else None
        recipe = recipes.get(kind)
        made = recipe() if recipe else None
        created = self._post(kind, *made) if made else None
        if created is None:
            return None
        if kind == "work_item" and self.sequence_id is None:
            self.sequence_id = str(created.get("sequence_id"))
        return str(created.get("id"))

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


def resolve_path_parameters(
    operation: FuzzOperation, project: FuzzProject, *, fresh: bool
) -> dict[str, str] | str:
    """Scratch values for every path parameter of `operation`, or the reason there are none.

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
            project.get("work_item")
            values["project_identifier"] = project.identifier
            values["issue_identifier"] = project.sequence_id or "1"
            continue
        kind = _kind(path, name)
        if kind is None:
            return f"no scratch object for path parameter {name}"
        last = position == len(names) - 1
        value: str | None
        if kind == "project":
            value = project.ids["project"]
        elif fresh and last:
            value = project.fresh(kind)
        else:
            value = project.get(kind)
        if value is None:
            why = project.problems.get(kind, "no recipe")
            return f"could not create a scratch {kind} for {name} ({why})"
        values[name] = value
    return values

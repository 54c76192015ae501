"""Record the response shapes of a target: one scenario that exercises every core operation.

Why a scenario and not schemathesis: shapes are only worth recording from *valid* requests
(success paths) plus the errors a client naturally meets (404 for an unknown id, 400 for an
invalid body), and most success paths need objects created before them. The scenario creates its
own project (name "plc shapes <hex>": Plane accepts letters, digits and spaces only), turns on the
cycle, module and intake views, walks every resource of the core spec (the `issues/` spellings
too), and deletes all it created, also after a failure.

Every request goes through `TargetClient` (the suite's one client: pacing, redaction). Each
answer is folded into the shape recorded for (method, path template, status). A section whose
setup fails (say a create answers 400 on some target) is abandoned and noted; the operations it
did not reach then show as missing in a comparison, which is the point. A section the target
does not route at all (a 404 for its collection: older releases lack some) is noted as not
served instead.

Workspace-wide lists (projects, invitations, stickies, search) are reduced to the recorder's own
objects before their shape is taken, so that other users of the workspace do not change it.

The machinery is in session.py; the walks over the resources in walk_project.py, walk_items.py
and walk_workspace.py.
"""

from __future__ import annotations

import secrets

import httpx

from conformance.outcomes import SetupRefused
from conformance.shapes.model import response_label
from conformance.shapes.session import (
    NAME_PREFIX,
    NEEDS_STORAGE,
    NOT_SERVED,
    SPELLINGS,
    UNKNOWN_ID,
    WS,
    RecorderResult,
    SectionAbandoned,
    item_id,
)
from conformance.shapes.walk_items import WorkItemWalks
from conformance.shapes.walk_project import ProjectWalks
from conformance.shapes.walk_workspace import WorkspaceWalks
from conformance.spec.openapi import operations
from conformance.target.client import TargetClient
from conformance.target.scratch import open_project


class ShapeRecorder(WorkItemWalks, ProjectWalks, WorkspaceWalks):
    """Runs the scenario against one target. `run()` returns the recording."""

    def run(self) -> RecorderResult:
        try:
            self.scenario()
        finally:
            self.cleanup()
        for (method, template), why in NEEDS_STORAGE.items():
            if self.is_unserved(template):
                continue
            seen = sorted(k[2] for k in self.recording if k[:2] == (method, template))
            note = f"{why}; recorded: {', '.join(map(str, seen)) or 'nothing'}"
            self.not_recorded.setdefault(f"{method} {template} 2xx", note)
        for op in operations():
            if op.core and not any(k[:2] == (op.method, op.path) for k in self.recording):
                why = NOT_SERVED if self.is_unserved(op.path) else "not exercised"
                self.not_recorded.setdefault(f"{op.method} {op.path}", why)
        return RecorderResult(
            dict(self.recording),
            dict(sorted(self.not_recorded.items())),
            list(self.abandoned),
            self.client.requests_sent,
        )

    def scenario(self) -> None:
        with self.section("users and members"):
            self.users_and_members()
        with self.section("project"):
            self.create_project()
        if not self.project:
            return
        with self.section("states"):
            self.states()
        with self.section("labels"):
            self.labels()
        items: list[str] = []
        for kind, att in SPELLINGS:
            with self.section(f"{kind}"):
                made = self.work_items(kind, att)
                if made:
                    items.append(made)
        with self.section("relations"):
            self.relations(items)
        with self.section("cycles"):
            self.cycles(items)
        with self.section("modules"):
            self.modules(items)
        with self.section("intake"):
            self.intake()
        with self.section("project members"):
            self.project_members()
        with self.section("stickies"):
            self.stickies()
        with self.section("invitations"):
            self.invitations()
        with self.section("assets"):
            self.assets()
        with self.section("project archive and features"):
            self.project_archive_and_features()
        with self.section("deletes"):
            self.deletes()

    def create_project(self) -> None:
        self.call("POST", WS + "/projects/", json={})
        identifier = "PLS" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
        detail = WS + "/projects/{resource_id}/"

        def fold(answer: httpx.Response, template: str = WS + "/projects/") -> None:
            self.fold((answer.request.method, template, answer.status_code), answer)

        try:  # the suite's one way to make a project of its own (target/scratch.py)
            opened = open_project(
                self.client,
                lambda: (f"{NAME_PREFIX} {self.tag}", identifier),
                which="the shapes project",
                on_refusal=lambda _path, _body, answer: fold(answer),
            )
        except SetupRefused as refused:
            raise SectionAbandoned(str(refused)) from None
        fold(opened.created)
        fold(opened.switched, detail)
        created = opened.project
        pid = str(created.get("id"))
        self.project = {**created, "identifier": created.get("identifier", identifier)}
        self.owned(f"/api/v1/workspaces/{self.workspace}/projects/{pid}/")
        self.need(opened.switched, "project views on")
        views = {"cycle_view": True, "module_view": True, "intake_view": True}
        self.call(
            "PATCH", detail, json={"description": "plc shapes project"}, ids={"resource_id": pid}
        )
        self.call("PATCH", detail, json={"name": ""}, ids={"resource_id": pid})
        self.call("PATCH", detail, json=views, ids={"resource_id": UNKNOWN_ID})
        self.call("GET", detail, ids={"resource_id": pid})
        self.call("GET", detail, ids={"resource_id": UNKNOWN_ID})
        mine = {pid}
        self.call("GET", WS + "/projects/", keep=lambda item: item_id(item) in mine)


def server_version(client: TargetClient) -> str:
    """Plane's version from its instance endpoint (outside /api/v1, no key needed), or
    "unknown" when the target has no such endpoint."""
    try:
        response = client.request("GET", "/api/instances/", key=False)
        version = response.json().get("instance", {}).get("current_version")
    except (httpx.HTTPError, ValueError, AttributeError):
        return "unknown"
    return str(version) if response.status_code == 200 and version else "unknown"


def record(client: TargetClient) -> RecorderResult:
    """Run the scenario against the client's target and return the recording."""
    return ShapeRecorder(client).run()


def describe(result: RecorderResult) -> str:
    """A few lines about a recording, for the command line (never a key or a value)."""
    ops = {k[:2] for k in result.recording}
    lines = [
        f"recorded {len(result.recording)} responses of {len(ops)} operations "
        f"with {result.requests} requests"
    ]
    lines += [f"  section abandoned: {line}" for line in result.abandoned]
    lines += [f"  not recorded: {key} ({why})" for key, why in result.not_recorded.items()]
    return "\n".join(lines)


__all__ = [
    "RecorderResult",
    "ShapeRecorder",
    "describe",
    "record",
    "response_label",
    "server_version",
]

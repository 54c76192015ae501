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
did not reach then show as missing in a comparison, which is the point.

Workspace-wide lists (projects, invitations, stickies, search) are reduced to the recorder's own
objects before their shape is taken, so that other users of the workspace do not change it.
"""

from __future__ import annotations

import datetime
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.outcomes import SetupRefused
from conformance.shapes.model import (
    Recording,
    ResponseKey,
    Shape,
    body_shape,
    merge,
    response_label,
)
from conformance.spec.openapi import operations
from conformance.target.client import TargetClient, is_json_media_type
from conformance.target.scratch import open_project

NAME_PREFIX = "plc shapes"
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"  # well-formed, never created
ACTIVITY_WAIT_S = 20.0  # Plane writes activities from a Celery worker, a moment after the change
LINK_WAIT_S = 3.0  # ... and a link's metadata too (a server that never fills it costs this wait)

WS = "/api/v1/workspaces/{workspace_slug}"
PROJECT = WS + "/projects/{project_id}"
# The two spellings of work items: (collection segment, attachments segment)
SPELLINGS = (("work-items", "attachments"), ("issues", "issue-attachments"))

# Success paths that cannot be exercised without object storage; their error paths are.
NEEDS_STORAGE = {
    ("POST", "/api/v1/assets/user-assets/"): "upload: needs object storage",
    ("PATCH", "/api/v1/assets/user-assets/{asset_id}/"): "upload: needs an uploaded asset",
    ("DELETE", "/api/v1/assets/user-assets/{asset_id}/"): "upload: needs an uploaded asset",
    ("POST", WS + "/assets/"): "upload: needs object storage",
    ("GET", WS + "/assets/{asset_id}/"): "upload: needs an uploaded asset",
    ("PATCH", WS + "/assets/{asset_id}/"): "upload: needs an uploaded asset",
    **{
        (method, f"{PROJECT}/{kind}/{{work_item_id}}/{att}/{tail}"): "upload: needs object storage"
        for kind, att in SPELLINGS
        for method, tail in (
            ("POST", ""),
            ("GET", "{resource_id}/"),
            ("PATCH", "{resource_id}/"),
            ("DELETE", "{resource_id}/"),
        )
    },
}


class SectionAbandoned(Exception):
    """A step a section depends on did not succeed: the rest of that section is skipped."""


@dataclass
class RecorderResult:
    recording: Recording
    # "METHOD template" (or "METHOD template STATUS") -> why it is not in the recording
    not_recorded: dict[str, str]
    abandoned: list[str] = field(default_factory=list)  # "section: reason"
    requests: int = 0


def _today() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _stamp(days: int) -> str:
    return (_today() + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


class ShapeRecorder:
    """Runs the scenario against one target. `run()` returns the recording."""

    def __init__(self, client: TargetClient, *, wait: Callable[[float], None] = time.sleep):
        self.client = client
        self.workspace = client.workspace
        self.recording: Recording = {}
        self.not_recorded: dict[str, str] = {}
        self.abandoned: list[str] = []
        self.tag = secrets.token_hex(3)
        self._wait = wait
        self._cleanup: list[str] = []  # concrete paths to DELETE at the end, newest last
        self.me: str = ""
        self.project: dict[str, Any] = {}
        self.state_id: str | None = None
        self.label_id: str | None = None
        self.extra_items: list[str] = []  # one more work item per spelling

    # -- requests -----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        template: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        keep: Callable[[Any], bool] | None = None,
        record: bool = True,
        ids: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request to the template filled with `ids`; fold its answer's shape into
        the recording. `keep` filters the items of a list answer (workspace-wide lists)."""
        path = template.format(workspace_slug=self.workspace, **(ids or {}))
        response = self.client.request(method, path, json=json, params=params)
        if record:
            self._fold((method, template, response.status_code), response, keep)
        return response

    def _fold(self, key: ResponseKey, response: httpx.Response, keep: Any) -> None:
        is_json = is_json_media_type(response.headers.get("content-type"))
        value: Any = None
        if response.content and is_json:
            try:
                value = response.json()
            except ValueError:
                is_json = False
        if keep is not None and value is not None:
            value = _filtered(value, keep)
        shape: Shape = body_shape(response.content, value, is_json=is_json)
        old = self.recording.get(key)
        self.recording[key] = shape if old is None else merge(old, shape)

    def need(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """The JSON object of a 2xx answer, or abandon the section."""
        if not 200 <= response.status_code < 300:
            raise SectionAbandoned(f"{what} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise SectionAbandoned(f"{what} answered a body that is not JSON") from None
        if not isinstance(body, dict):
            raise SectionAbandoned(f"{what} answered {type(body).__name__}, not an object")
        return body

    def need_id(self, response: httpx.Response, what: str) -> str:
        body = self.need(response, what)
        if not isinstance(body.get("id"), str):
            raise SectionAbandoned(f"{what} answered no id")
        return str(body["id"])

    def owned(self, path: str) -> None:
        self._cleanup.append(path)

    def disowned(self, path: str) -> None:
        if path in self._cleanup:
            self._cleanup.remove(path)

    def probe_served(
        self, method: str, template: str, json: Any = None, ids: Mapping[str, str] | None = None
    ) -> None:
        """An operation some editions do not serve: a 404 (with valid ids) means "not served",
        noted instead of recorded; any other answer is recorded. The body is harmless ({})."""
        response = self.call(method, template, json=json, record=False, ids=ids)
        if response.status_code == 404:
            self.not_recorded[f"{method} {template}"] = "not served by the target (404)"
        else:
            self._fold((method, template, response.status_code), response, None)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        try:
            yield
        except SectionAbandoned as reason:
            self.abandoned.append(f"{name}: {reason}")

    # -- the scenario -----------------------------------------------------------------------

    def run(self) -> RecorderResult:
        try:
            self.scenario()
        finally:
            self.cleanup()
        for (method, template), why in NEEDS_STORAGE.items():
            seen = sorted(k[2] for k in self.recording if k[:2] == (method, template))
            note = f"{why}; recorded: {', '.join(map(str, seen)) or 'nothing'}"
            self.not_recorded.setdefault(f"{method} {template} 2xx", note)
        for op in operations():
            if op.core and not any(k[:2] == (op.method, op.path) for k in self.recording):
                self.not_recorded.setdefault(f"{op.method} {op.path}", "not exercised")
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
                items.append(self.work_items(kind, att))
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
            self.deletes(items)

    def users_and_members(self) -> None:
        self.me = self.need_id(self.call("GET", "/api/v1/users/me/"), "users/me")
        self.call("GET", WS + "/members/")
        self.probe_served("POST", WS + "/members/remove/", json={})

    def create_project(self) -> None:
        self.call("POST", WS + "/projects/", json={})
        identifier = "PLS" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
        detail = WS + "/projects/{resource_id}/"

        def fold(answer: httpx.Response, template: str = WS + "/projects/") -> None:
            self._fold((answer.request.method, template, answer.status_code), answer, None)

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
        self.call("GET", WS + "/projects/", keep=lambda item: _id(item) in mine)

    @property
    def pid(self) -> str:
        return str(self.project["id"])

    def _crud(
        self,
        collection: str,
        detail: str,
        id_name: str,
        create: dict[str, Any],
        update: dict[str, Any],
        *,
        invalid: dict[str, Any] | None = None,
        what: str,
        keep_mine: bool = False,
        ids: Mapping[str, str] | None = None,
        settle: Callable[[str], None] | None = None,
    ) -> str:
        """list, invalid create, create, read, update, unknown id: the common walk. `settle(id)`
        runs after the create, for what a server completes in the background."""
        values = ids or {}
        self.call("POST", collection, json=invalid if invalid is not None else {}, ids=values)
        new_id = self.need_id(
            self.call("POST", collection, json=create, ids=values), f"{what} create"
        )
        if settle:
            settle(new_id)
        mine = {new_id}
        keep = (lambda item: _id(item) in mine) if keep_mine else None
        self.call("GET", collection, keep=keep, ids=values)
        self.call("GET", detail, ids={id_name: new_id, **values})
        self.call("GET", detail, ids={id_name: UNKNOWN_ID, **values})
        self.call("PATCH", detail, json=update, ids={id_name: new_id, **values})
        self.call("PATCH", detail, json=update, ids={id_name: UNKNOWN_ID, **values})
        return new_id

    def _delete(
        self, detail: str, id_name: str, the_id: str, ids: Mapping[str, str] | None = None
    ) -> None:
        values = ids or {}
        self.call("DELETE", detail, ids={id_name: the_id, **values})
        self.call("DELETE", detail, ids={id_name: UNKNOWN_ID, **values})

    def states(self) -> None:
        coll, detail = PROJECT + "/states/", PROJECT + "/states/{state_id}/"
        sid = self._crud(
            coll,
            detail,
            "state_id",
            {"name": f"plc state {self.tag}", "color": "#12ab34", "group": "started"},
            {"name": f"plc state renamed {self.tag}"},
            what="state",
            ids={"project_id": self.pid},
        )
        self.state_id = sid
        spare = self.need_id(
            self.call(
                "POST",
                coll,
                json={"name": f"plc spare {self.tag}", "color": "#ab1234", "group": "backlog"},
                ids={"project_id": self.pid},
            ),
            "spare state",
        )
        self._delete(detail, "state_id", spare, ids={"project_id": self.pid})

    def labels(self) -> None:
        coll, detail = PROJECT + "/labels/", PROJECT + "/labels/{label_id}/"
        self.label_id = self._crud(
            coll,
            detail,
            "label_id",
            {"name": f"plc label {self.tag}", "color": "#ff0000"},
            {"name": f"plc label renamed {self.tag}"},
            what="label",
            ids={"project_id": self.pid},
        )
        spare = self.need_id(
            self.call(
                "POST", coll, json={"name": f"plc spare {self.tag}"}, ids={"project_id": self.pid}
            ),
            "spare label",
        )
        self._delete(detail, "label_id", spare, ids={"project_id": self.pid})

    def work_items(self, kind: str, att: str) -> str:
        coll = PROJECT + f"/{kind}/"
        detail = coll + "{resource_id}/"
        body: dict[str, Any] = {
            "name": f"plc item {kind} {self.tag}",
            "description_html": "<p>recorded by plane-conformance</p>",
            "priority": "high",
        }
        if self.state_id:
            body["state"] = self.state_id
        if self.label_id:
            body["labels"] = [self.label_id]
        if self.me:
            body["assignees"] = [self.me]
        wid = self._crud(
            coll,
            detail,
            "resource_id",
            body,
            {"name": f"plc item {kind} renamed {self.tag}", "priority": "low"},
            invalid={"priority": "not a priority"},
            what=f"{kind} create",
            ids={"project_id": self.pid},
        )
        second = self.need_id(
            self.call(
                "POST",
                coll,
                json={"name": f"plc item two {self.tag}"},
                ids={"project_id": self.pid},
            ),
            f"second {kind}",
        )
        self.extra_items.append(second)
        page = self.call("GET", coll, params={"per_page": 1}, ids={"project_id": self.pid})
        cursor = _next_cursor(page)
        if cursor:
            self.call(
                "GET", coll, params={"per_page": 1, "cursor": cursor}, ids={"project_id": self.pid}
            )
        self.identifier_and_search(kind)
        sub = PROJECT + f"/{kind}/{{work_item_id}}"
        self.comments(sub, wid)
        self.links(sub, wid)
        self.activities(sub, wid)
        self.attachments(sub, att, wid)
        return wid

    def identifier_and_search(self, kind: str) -> None:
        ident = str(self.project.get("identifier"))
        by_ident = WS + f"/{kind}/{{project_identifier}}-{{issue_identifier}}/"
        self.call("GET", by_ident, ids={"project_identifier": ident, "issue_identifier": "1"})
        self.call("GET", by_ident, ids={"project_identifier": ident, "issue_identifier": "999999"})
        search = WS + f"/{kind}/search/"
        mine = {self.pid}
        self.call(
            "GET",
            search,
            params={"search": self.tag},
            keep=lambda item: not isinstance(item, dict) or item.get("project_id") in mine,
        )
        self.call("GET", search)

    def comments(self, sub: str, wid: str) -> None:
        coll, detail = sub + "/comments/", sub + "/comments/{resource_id}/"
        cid = self._crud(
            coll,
            detail,
            "resource_id",
            {"comment_html": "<p>plc comment</p>"},
            {"comment_html": "<p>plc comment edited</p>"},
            what="comment",
            ids={"project_id": self.pid, "work_item_id": wid},
        )
        self._delete(detail, "resource_id", cid, ids={"project_id": self.pid, "work_item_id": wid})

    def links(self, sub: str, wid: str) -> None:
        coll, detail = sub + "/links/", sub + "/links/{resource_id}/"
        lid = self._crud(
            coll,
            detail,
            "resource_id",
            {"url": f"https://example.com/plc/{self.tag}/{wid}", "title": "plc link"},
            {"title": "plc link edited"},
            invalid={"url": "not a url"},
            what="link",
            ids={"project_id": self.pid, "work_item_id": wid},
            settle=lambda lid: self._link_metadata(
                detail, {"project_id": self.pid, "work_item_id": wid, "resource_id": lid}
            ),
        )
        self._delete(detail, "resource_id", lid, ids={"project_id": self.pid, "work_item_id": wid})

    def _link_metadata(self, detail: str, ids: Mapping[str, str]) -> None:
        """Plane fills a link's `metadata` (title, favicon) from a Celery task a moment after the
        create; wait for it (unrecorded) so that the shapes taken next do not race it."""
        deadline = time.monotonic() + LINK_WAIT_S
        while time.monotonic() < deadline:
            response = self.call("GET", detail, record=False, ids=ids)
            try:
                metadata = response.json().get("metadata")
            except (ValueError, AttributeError):
                return
            if metadata or response.status_code != 200:
                return
            self._wait(0.25)

    def activities(self, sub: str, wid: str) -> None:
        coll, detail = sub + "/activities/", sub + "/activities/{resource_id}/"
        deadline = time.monotonic() + ACTIVITY_WAIT_S
        while True:
            response = self.call(
                "GET", coll, record=False, ids={"project_id": self.pid, "work_item_id": wid}
            )
            found = _results(response)
            if found or time.monotonic() > deadline or response.status_code != 200:
                break
            self._wait(0.5)
        self._fold(("GET", coll, response.status_code), response, None)
        if found and isinstance(found[0], dict) and found[0].get("id"):
            aid = str(found[0]["id"])
            self.call(
                "GET", detail, ids={"project_id": self.pid, "work_item_id": wid, "resource_id": aid}
            )
        self.call(
            "GET",
            detail,
            ids={"project_id": self.pid, "work_item_id": wid, "resource_id": UNKNOWN_ID},
        )

    def attachments(self, sub: str, att: str, wid: str) -> None:
        coll, detail = sub + f"/{att}/", sub + f"/{att}/{{resource_id}}/"
        ids = {"project_id": self.pid, "work_item_id": wid}
        self.call("GET", coll, ids=ids)
        self.call("POST", coll, json={}, ids=ids)  # the success path needs object storage
        for method in ("GET", "PATCH", "DELETE"):
            body: dict[str, Any] | None = {} if method == "PATCH" else None
            self.call(method, detail, json=body, ids={"resource_id": UNKNOWN_ID, **ids})

    def relations(self, items: list[str]) -> None:
        if len(items) < 2:
            raise SectionAbandoned("needs two work items")
        base = PROJECT + "/work-items/{work_item_id}/relations/"
        ids = {"project_id": self.pid, "work_item_id": items[0]}
        self.call("GET", base, ids=ids)
        self.call("POST", base, json={}, ids=ids)
        body = {"relation_type": "relates_to", "issues": [items[1]]}
        self.call("POST", base, json=body, ids=ids)
        self.call("GET", base, ids=ids)
        self.probe_served("POST", base + "remove/", json={}, ids=ids)

    def cycles(self, items: list[str]) -> None:
        coll = PROJECT + "/cycles/"
        detail = coll + "{resource_id}/"
        sub = coll + "{cycle_id}/"
        p = {"project_id": self.pid}
        self.call("POST", coll, json={}, ids=p)
        first = {
            "name": f"plc cycle {self.tag}",
            "start_date": _stamp(1),
            "end_date": _stamp(8),
            "project_id": self.pid,
        }
        c1 = self.need_id(self.call("POST", coll, json=first, ids=p), "cycle create")
        second = {**first, "name": f"plc cycle two {self.tag}", "start_date": _stamp(10)}
        second["end_date"] = _stamp(17)
        c2 = self.need_id(self.call("POST", coll, json=second, ids=p), "second cycle create")
        draft = {"name": f"plc draft cycle {self.tag}", "project_id": self.pid}
        c3 = self.need_id(self.call("POST", coll, json=draft, ids=p), "draft cycle create")
        self.call("GET", coll, ids=p)
        self.call("GET", detail, ids={"resource_id": c1, **p})
        self.call("GET", detail, ids={"resource_id": UNKNOWN_ID, **p})
        self.call("PATCH", detail, json={"description": "plc"}, ids={"resource_id": c1, **p})
        self.call(
            "PATCH", detail, json={"description": "plc"}, ids={"resource_id": UNKNOWN_ID, **p}
        )
        issues = sub + "cycle-issues/"
        self.call("POST", issues, json={}, ids={"cycle_id": c1, **p})
        self.call(
            "POST", issues, json={"issues": items + self.extra_items}, ids={"cycle_id": c1, **p}
        )
        self.call("GET", issues, ids={"cycle_id": c1, **p})
        one = sub + "cycle-issues/{work_item_id}/"
        self.call("DELETE", one, ids={"cycle_id": c1, "work_item_id": items[0], **p})
        self.call("DELETE", one, ids={"cycle_id": c1, "work_item_id": UNKNOWN_ID, **p})
        # finish the first cycle (dates in the past) to transfer its open items and archive it
        past = {"start_date": _stamp(-10), "end_date": _stamp(-3), "project_id": self.pid}
        self.call("PATCH", detail, json=past, ids={"resource_id": c1, **p})
        transfer = sub + "transfer-issues/"
        self.call("POST", transfer, json={}, ids={"cycle_id": c1, **p})
        self.call("POST", transfer, json={"new_cycle_id": c2}, ids={"cycle_id": c1, **p})
        archive = sub + "archive/"
        self.call("POST", archive, ids={"cycle_id": c2, **p})  # not completed: refused
        self.call("POST", archive, ids={"cycle_id": c1, **p})
        self.call("GET", PROJECT + "/archived-cycles/", ids=p)
        unarchive = PROJECT + "/archived-cycles/{cycle_id}/unarchive/"
        self.call("DELETE", unarchive, ids={"cycle_id": c1, **p})
        self.call("DELETE", unarchive, ids={"cycle_id": UNKNOWN_ID, **p})
        for cid in (c3, c1):
            self.call("DELETE", detail, ids={"resource_id": cid, **p})
        self.call("DELETE", detail, ids={"resource_id": UNKNOWN_ID, **p})
        # the second cycle (c2) is deleted with the project

    def modules(self, items: list[str]) -> None:
        coll = PROJECT + "/modules/"
        detail = coll + "{resource_id}/"
        p = {"project_id": self.pid}
        mid = self._crud(
            coll,
            detail,
            "resource_id",
            {"name": f"plc module {self.tag}", "description": "plc"},
            {"status": "completed"},
            invalid={"status": "not a status"},
            what="module",
            ids=p,
        )
        issues = coll + "{module_id}/module-issues/"
        self.call("POST", issues, json={}, ids={"module_id": mid, **p})
        self.call("POST", issues, json={"issues": items}, ids={"module_id": mid, **p})
        self.call("GET", issues, ids={"module_id": mid, **p})
        one = issues + "{work_item_id}/"
        self.call("DELETE", one, ids={"module_id": mid, "work_item_id": items[0], **p})
        self.call("DELETE", one, ids={"module_id": mid, "work_item_id": UNKNOWN_ID, **p})
        self.call("POST", detail + "archive/", ids={"resource_id": mid, **p})
        self.call("POST", detail + "archive/", ids={"resource_id": UNKNOWN_ID, **p})
        self.call("GET", PROJECT + "/archived-modules/", ids=p)
        unarchive = PROJECT + "/archived-modules/{resource_id}/unarchive/"
        self.call("DELETE", unarchive, ids={"resource_id": mid, **p})
        self.call("DELETE", unarchive, ids={"resource_id": UNKNOWN_ID, **p})
        open_module = {"name": f"plc module two {self.tag}"}
        other = self.need_id(self.call("POST", coll, json=open_module, ids=p), "second module")
        self.call(
            "POST", detail + "archive/", ids={"resource_id": other, **p}
        )  # not completed: refused
        self._delete(detail, "resource_id", mid, ids=p)

    def intake(self) -> None:
        coll = PROJECT + "/intake-issues/"
        detail = coll + "{work_item_id}/"
        p = {"project_id": self.pid}
        self.call("POST", coll, json={}, ids=p)
        body = {"issue": {"name": f"plc intake {self.tag}", "priority": "low"}}
        created = self.need(self.call("POST", coll, json=body, ids=p), "intake create")
        wid = _intake_work_item(created)
        if not wid:
            raise SectionAbandoned("intake create answered no work item id")
        self.call("GET", coll, ids=p)
        self.call("GET", detail, ids={"work_item_id": wid, **p})
        self.call("GET", detail, ids={"work_item_id": UNKNOWN_ID, **p})
        update = {"issue": {"name": f"plc intake renamed {self.tag}"}}
        self.call("PATCH", detail, json=update, ids={"work_item_id": wid, **p})
        self.call("PATCH", detail, json=update, ids={"work_item_id": UNKNOWN_ID, **p})
        self._delete(detail, "work_item_id", wid, ids=p)

    def project_members(self) -> None:
        coll = PROJECT + "/project-members/"
        detail = coll + "{member_id}/"
        p = {"project_id": self.pid}
        self.call("GET", coll, ids=p)
        self.call("POST", coll, json={}, ids=p)
        members = self.client.get(self.client.ws("members/")).json()
        others = [
            m
            for m in (members if isinstance(members, list) else [])
            if isinstance(m, dict) and m.get("id") != self.me and m.get("role") == 15
        ]
        if not others:
            raise SectionAbandoned("no other workspace member (role 15) to add")
        body = {"member": others[0]["id"], "role": 15}
        pm = self.need_id(self.call("POST", coll, json=body, ids=p), "project member create")
        self.call("GET", coll, ids=p)
        self.call("GET", detail, ids={"member_id": pm, **p})
        self.call("GET", detail, ids={"member_id": UNKNOWN_ID, **p})
        self.call("PATCH", detail, json={"role": 5}, ids={"member_id": pm, **p})
        self.call("PATCH", detail, json={"role": 5}, ids={"member_id": UNKNOWN_ID, **p})
        self._delete(detail, "member_id", pm, ids=p)

    def stickies(self) -> None:
        coll, detail = WS + "/stickies/", WS + "/stickies/{resource_id}/"
        sid = self._crud(
            coll,
            detail,
            "resource_id",
            {"name": f"plc sticky {self.tag}", "description_html": "<p>plc</p>"},
            {"name": f"plc sticky edited {self.tag}"},
            invalid={"name": ["not", "a", "string"]},
            what="sticky",
            keep_mine=True,
        )
        self.owned(f"/api/v1/workspaces/{self.workspace}/stickies/{sid}/")
        self._delete(detail, "resource_id", sid)
        self.disowned(f"/api/v1/workspaces/{self.workspace}/stickies/{sid}/")

    def invitations(self) -> None:
        coll, detail = WS + "/invitations/", WS + "/invitations/{invitation_id}/"
        email = f"plc-shapes-{self.tag}-{uuid.uuid4().hex[:6]}@example.com"
        iid = self._crud(
            coll,
            detail,
            "invitation_id",
            {"email": email, "role": 15},
            {"role": 5},
            what="invitation",
            keep_mine=True,
        )
        path = f"/api/v1/workspaces/{self.workspace}/invitations/{iid}/"
        self.owned(path)
        self._delete(detail, "invitation_id", iid)
        self.disowned(path)

    def assets(self) -> None:
        """Only the error paths: an upload needs object storage (see NEEDS_STORAGE)."""
        user = "/api/v1/assets/user-assets/"
        self.call("POST", user, json={})
        self.call("PATCH", user + "{asset_id}/", json={}, ids={"asset_id": UNKNOWN_ID})
        self.call("DELETE", user + "{asset_id}/", ids={"asset_id": UNKNOWN_ID})
        self.call("POST", WS + "/assets/", json={})
        self.call("GET", WS + "/assets/{asset_id}/", ids={"asset_id": UNKNOWN_ID})
        self.call("PATCH", WS + "/assets/{asset_id}/", json={}, ids={"asset_id": UNKNOWN_ID})

    def project_archive_and_features(self) -> None:
        p = {"project_id": self.pid}
        self.probe_served("GET", PROJECT + "/features/", ids=p)
        self.probe_served("PATCH", PROJECT + "/features/", json={}, ids=p)
        self.call("POST", PROJECT + "/archive/", ids=p)
        self.call("DELETE", PROJECT + "/archive/", ids=p)
        self.call("POST", WS + "/projects/{project_id}/archive/", ids={"project_id": UNKNOWN_ID})

    def deletes(self, items: list[str]) -> None:
        for n, (kind, _att) in enumerate(SPELLINGS):
            detail = PROJECT + f"/{kind}/{{resource_id}}/"
            if n < len(self.extra_items):
                self._delete(
                    detail, "resource_id", self.extra_items[n], ids={"project_id": self.pid}
                )
        detail = WS + "/projects/{resource_id}/"
        self.call("DELETE", detail, ids={"resource_id": self.pid})
        self.disowned(f"/api/v1/workspaces/{self.workspace}/projects/{self.pid}/")
        self.call("DELETE", detail, ids={"resource_id": UNKNOWN_ID})

    def cleanup(self) -> None:
        """Delete what the scenario created and did not delete itself (after a failure)."""
        for path in reversed(self._cleanup):
            with suppress(httpx.HTTPError):
                self.client.request("DELETE", path)
        self._cleanup.clear()


def _id(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else None


def _filtered(value: Any, keep: Callable[[Any], bool]) -> Any:
    """Keep only the wanted items of a list answer: a bare array, `results`, or `issues`."""
    if isinstance(value, list):
        return [item for item in value if keep(item)]
    if isinstance(value, dict):
        for name in ("results", "issues"):
            if isinstance(value.get(name), list):
                return {**value, name: [item for item in value[name] if keep(item)]}
    return value


def _results(response: httpx.Response) -> list[Any]:
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, dict):
        body = body.get("results")
    return body if isinstance(body, list) else []


def _next_cursor(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("next_page_results") and body.get("next_cursor"):
        return str(body["next_cursor"])
    return None


def _intake_work_item(created: dict[str, Any]) -> str | None:
    """The work item id of an intake answer: `issue` (an id or an object), else `issue_detail`."""
    for name in ("issue", "issue_detail"):
        value = created.get(name)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            return str(value["id"])
    return None


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

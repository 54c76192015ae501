"""The differential scenario: one client story, written once, run through any client adapter.

A step records what an integrator sees: the outcome ("ok", "error 404", or the exception a client
raised on a 2xx, e.g. "error ValidationError") and the shape of what the client returned (field
names and JSON types, via conformance.shapes; values, ids and timestamps are ignored). The same
scenario against real Plane and against the reference server must give the same steps.

The scenario follows real Plane v1.3.1's rules: names of letters, digits and spaces only; the
cycle and module views turned on before cycles and modules; `project_id` in the cycle body; the
assignee is the key's own user (GET users/me).
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from conformance.shapes.model import flatten, shape_of

UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
LINK_WAIT_S = 3.0


class Adapter(Protocol):
    """What the scenario needs from a client. Each method returns what the client returns."""

    name: str

    def outcome_of(self, error: BaseException) -> str: ...
    def salvage(self, error: BaseException) -> Any: ...
    def as_json(self, value: Any) -> Any: ...
    def me(self) -> Any: ...
    def create_project(self, name: str, identifier: str) -> Any: ...
    def enable_views(self, project_id: str) -> Any: ...
    def get_project(self, project_id: str) -> Any: ...
    def list_projects(self) -> Any: ...
    def delete_project(self, project_id: str) -> Any: ...
    def create_state(self, pid: str, name: str, color: str, group: str) -> Any: ...
    def update_state(self, pid: str, state_id: str, name: str) -> Any: ...
    def list_states(self, pid: str) -> Any: ...
    def delete_state(self, pid: str, state_id: str) -> Any: ...
    def create_label(self, pid: str, name: str, color: str) -> Any: ...
    def update_label(self, pid: str, label_id: str, name: str) -> Any: ...
    def list_labels(self, pid: str) -> Any: ...
    def delete_label(self, pid: str, label_id: str) -> Any: ...
    def create_work_item(self, pid: str, name: str, **fields: Any) -> Any: ...
    def get_work_item(self, pid: str, wid: str) -> Any: ...
    def update_work_item(self, pid: str, wid: str, name: str, priority: str) -> Any: ...
    def list_work_items(self, pid: str, per_page: int, cursor: str | None) -> Any: ...
    def delete_work_item(self, pid: str, wid: str) -> Any: ...
    def create_comment(self, pid: str, wid: str, html: str) -> Any: ...
    def update_comment(self, pid: str, wid: str, cid: str, html: str) -> Any: ...
    def list_comments(self, pid: str, wid: str) -> Any: ...
    def delete_comment(self, pid: str, wid: str, cid: str) -> Any: ...
    def create_link(self, pid: str, wid: str, url: str, title: str) -> Any: ...
    def update_link(self, pid: str, wid: str, lid: str, title: str) -> Any: ...
    def list_links(self, pid: str, wid: str) -> Any: ...
    def delete_link(self, pid: str, wid: str, lid: str) -> Any: ...
    def create_cycle(self, pid: str, name: str, start: str, end: str, owner: str) -> Any: ...
    def update_cycle(self, pid: str, cycle_id: str, name: str) -> Any: ...
    def get_cycle(self, pid: str, cycle_id: str) -> Any: ...
    def add_to_cycle(self, pid: str, cycle_id: str, items: list[str]) -> Any: ...
    def list_cycle_items(self, pid: str, cycle_id: str) -> Any: ...
    def remove_from_cycle(self, pid: str, cycle_id: str, wid: str) -> Any: ...
    def delete_cycle(self, pid: str, cycle_id: str) -> Any: ...
    def create_module(self, pid: str, name: str) -> Any: ...
    def update_module(self, pid: str, module_id: str, name: str) -> Any: ...
    def get_module(self, pid: str, module_id: str) -> Any: ...
    def add_to_module(self, pid: str, module_id: str, items: list[str]) -> Any: ...
    def list_module_items(self, pid: str, module_id: str) -> Any: ...
    def remove_from_module(self, pid: str, module_id: str, wid: str) -> Any: ...
    def delete_module(self, pid: str, module_id: str) -> Any: ...


@dataclass(frozen=True)
class Step:
    name: str
    outcome: str  # "ok", "error 404", "error ValidationError", "skipped: ..."
    fields: dict[str, str] = field(default_factory=dict)  # flat shape: path -> JSON type

    def difference(self, other: Step) -> str | None:
        """One line saying how `other` (the reference) differs from this step, or None."""
        if self.outcome != other.outcome:
            return f"{self.name}: outcome {self.outcome} vs {other.outcome}"
        if self.fields == other.fields:
            return None
        missing = sorted(set(self.fields) - set(other.fields))
        extra = sorted(set(other.fields) - set(self.fields))
        typed = sorted(
            f"{p} {self.fields[p]} -> {other.fields[p]}"
            for p in set(self.fields) & set(other.fields)
            if self.fields[p] != other.fields[p]
        )
        parts = [
            f"missing {_brief(missing)}" if missing else "",
            f"extra {_brief(extra)}" if extra else "",
            f"types {_brief(typed)}" if typed else "",
        ]
        return f"{self.name}: " + "; ".join(part for part in parts if part)


def _brief(paths: list[str], limit: int = 8) -> str:
    shown = ", ".join(paths[:limit])
    return f"[{shown}{f', +{len(paths) - limit} more' if len(paths) > limit else ''}]"


def _stamp(days: int) -> str:
    day = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)
    return day.strftime("%Y-%m-%dT00:00:00Z")


class Run:
    """Runs steps through one adapter, never raising: every outcome is recorded."""

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter
        self.steps: list[Step] = []
        self.own_ids: set[str] = set()

    def step(self, name: str, call: Callable[[], Any], *needs: str | None) -> Any:
        if any(not need for need in needs):
            self.steps.append(Step(name, "skipped: an earlier step failed"))
            return None
        try:
            result = call()
        except Exception as error:  # a client's exception is an outcome, not a crash
            self.steps.append(Step(name, self.adapter.outcome_of(error)))
            salvaged = self.adapter.salvage(error)  # the server's answer, when it had one
            self._remember_ids(salvaged)
            return salvaged
        value = self.adapter.as_json(result)
        self._remember_ids(value)
        self.steps.append(Step(name, "ok", self._fields(value)))
        return value

    def _remember_ids(self, value: Any) -> None:
        if isinstance(value, dict) and isinstance(value.get("id"), str):
            self.own_ids.add(value["id"])

    def _fields(self, value: Any) -> dict[str, str]:
        if value is None or isinstance(value, bool):
            return {}
        return flatten(shape_of(self._own_items(value)))

    def _own_items(self, value: Any) -> Any:
        """Lists keep the scenario's own objects only: other users' data is not a shape."""

        def mine(items: list[Any]) -> list[Any]:
            return [i for i in items if not isinstance(i, dict) or i.get("id") in self.own_ids]

        if isinstance(value, list):
            return mine(value)
        if isinstance(value, dict) and isinstance(value.get("results"), list):
            return {**value, "results": mine(value["results"])}
        return value


def _id(value: Any) -> str | None:
    return value.get("id") if isinstance(value, dict) else None


def _next_cursor(page: Any) -> str | None:
    if isinstance(page, dict) and page.get("next_page_results") and page.get("next_cursor"):
        return str(page["next_cursor"])
    return None


def run_scenario(adapter: Adapter, cleanup: Callable[[str], None]) -> list[Step]:
    """The story, step by step; `cleanup(project_id)` removes the project whatever happened."""
    run, a = Run(adapter), adapter
    tag = secrets.token_hex(3)
    ident = "PLD" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
    me = _id(run.step("get me", a.me))
    project = run.step("create project", lambda: a.create_project(f"plc diff {tag}", ident))
    pid = _id(project)
    if pid:
        run.own_ids.add(pid)
    try:
        _story(run, a, str(pid or ""), str(me or ""), tag)
    finally:
        if pid:
            cleanup(pid)
    return run.steps


def _story(run: Run, a: Adapter, pid: str, me: str, tag: str) -> None:
    s = run.step
    s("turn cycle and module views on", lambda: a.enable_views(pid), pid)
    s("get project", lambda: a.get_project(pid), pid)
    s("list projects", a.list_projects)
    state = _id(
        s("create state", lambda: a.create_state(pid, f"Review {tag}", "#12ab34", "started"), pid)
    )
    s("update state", lambda: a.update_state(pid, str(state), f"QA {tag}"), state)
    s("list states", lambda: a.list_states(pid), pid)
    label = _id(s("create label", lambda: a.create_label(pid, f"bug {tag}", "#ff0000"), pid))
    s("update label", lambda: a.update_label(pid, str(label), f"defect {tag}"), label)
    s("list labels", lambda: a.list_labels(pid), pid)
    items: list[str] = []
    for n in range(3):
        fields: dict[str, Any] = {"priority": "high"}
        fields.update({"state": state} if state else {})
        fields.update({"labels": [label]} if label else {})
        fields.update({"assignees": [me]} if me else {})
        made = s(
            f"create work item {n + 1}",
            lambda n=n, f=fields: a.create_work_item(pid, f"item {n} {tag}", **f),
            pid,
        )
        if _id(made):
            items.append(str(_id(made)))
    first = items[0] if items else None
    s("get work item", lambda: a.get_work_item(pid, str(first)), first)
    s("get unknown work item", lambda: a.get_work_item(pid, UNKNOWN_ID), pid)
    s(
        "update work item",
        lambda: a.update_work_item(pid, str(first), f"item zero {tag}", "low"),
        first,
    )
    cursor: str | None = None
    for page_number in (1, 2):
        page = s(
            f"list work items page {page_number}",
            lambda c=cursor: a.list_work_items(pid, 2, c),
            pid,
        )
        cursor = _next_cursor(page)
        if not cursor:
            break
    comment = _id(
        s("create comment", lambda: a.create_comment(pid, str(first), "<p>plc comment</p>"), first)
    )
    s(
        "update comment",
        lambda: a.update_comment(pid, str(first), str(comment), "<p>edited</p>"),
        comment,
    )
    s("list comments", lambda: a.list_comments(pid, str(first)), first)
    s("delete comment", lambda: a.delete_comment(pid, str(first), str(comment)), comment)
    url = f"https://example.com/plc/{tag}"
    link = _id(s("create link", lambda: a.create_link(pid, str(first), url, "plc link"), first))
    if link:
        _link_metadata(a, pid, str(first))
    s("update link", lambda: a.update_link(pid, str(first), str(link), "plc link edited"), link)
    if link:
        _link_saved_by_task(a, pid, str(first))
    s("list links", lambda: a.list_links(pid, str(first)), first)
    s("delete link", lambda: a.delete_link(pid, str(first), str(link)), link)
    cycle = _id(
        s(
            "create cycle",
            lambda: a.create_cycle(pid, f"sprint {tag}", _stamp(1), _stamp(8), me),
            pid,
        )
    )
    s("get cycle", lambda: a.get_cycle(pid, str(cycle)), cycle)
    s("update cycle", lambda: a.update_cycle(pid, str(cycle), f"sprint one {tag}"), cycle)
    s("add work items to cycle", lambda: a.add_to_cycle(pid, str(cycle), items[:2]), cycle, first)
    s("list cycle work items", lambda: a.list_cycle_items(pid, str(cycle)), cycle)
    s(
        "remove work item from cycle",
        lambda: a.remove_from_cycle(pid, str(cycle), str(first)),
        cycle,
        first,
    )
    module = _id(s("create module", lambda: a.create_module(pid, f"module {tag}"), pid))
    s("get module", lambda: a.get_module(pid, str(module)), module)
    s("update module", lambda: a.update_module(pid, str(module), f"module one {tag}"), module)
    s(
        "add work items to module",
        lambda: a.add_to_module(pid, str(module), items[:2]),
        module,
        first,
    )
    s("list module work items", lambda: a.list_module_items(pid, str(module)), module)
    s(
        "remove work item from module",
        lambda: a.remove_from_module(pid, str(module), str(first)),
        module,
        first,
    )
    for n, wid in enumerate(items):
        s(f"delete work item {n + 1}", lambda w=wid: a.delete_work_item(pid, w), wid)
    s("delete cycle", lambda: a.delete_cycle(pid, str(cycle)), cycle)
    s("delete module", lambda: a.delete_module(pid, str(module)), module)
    s("delete label", lambda: a.delete_label(pid, str(label)), label)
    s("delete state", lambda: a.delete_state(pid, str(state)), state)
    s("delete project", lambda: a.delete_project(pid), pid)


def _wait_for_links(
    a: Adapter, pid: str, wid: str, settled: Callable[[list[dict[str, Any]]], bool]
) -> None:
    """Poll the item's links until `settled` holds (not a step) or LINK_WAIT_S has passed."""
    deadline = time.monotonic() + LINK_WAIT_S
    while time.monotonic() < deadline:
        try:
            links = a.as_json(a.list_links(pid, wid))
        except Exception:
            return
        if isinstance(links, dict):
            links = links.get("results")
        if settled([x for x in links or [] if isinstance(x, dict)]):
            return
        time.sleep(0.25)


def _link_metadata(a: Adapter, pid: str, wid: str) -> None:
    """Plane fills a link's `metadata` from a Celery task a moment after the create: wait for it
    so that the steps after do not race it. A server that never fills it costs the wait."""
    _wait_for_links(a, pid, wid, lambda rows: any(x.get("metadata") for x in rows))


def _link_saved_by_task(a: Adapter, pid: str, wid: str) -> None:
    """After a link update Plane's background task reads the page again and saves the link
    outside any request, which clears its `updated_by`: wait for it, so that the list after
    does not race it. A server that clears it at once costs nothing."""
    _wait_for_links(
        a, pid, wid, lambda rows: bool(rows) and all(x.get("updated_by") is None for x in rows)
    )


def differences(real: list[Step], reference: list[Step]) -> list[str]:
    """One line per differing step (steps are matched by name, in the real run's order)."""
    by_name = {step.name: step for step in reference}
    lines = []
    for step in real:
        other = by_name.get(step.name)
        if other is None:
            lines.append(f"{step.name}: not reached on the reference server")
            continue
        line = step.difference(other)
        if line:
            lines.append(line)
    known = {step.name for step in real}
    lines += [f"{s.name}: only on the reference server" for s in reference if s.name not in known]
    return lines

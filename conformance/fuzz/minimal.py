"""The documented minimal case of an operation: the first valid case the campaign sends.

Generated valid cases are valid for the spec, but a server may well refuse most of them for
reasons the docs leave open: a blank name, an id that names no object, a URL its validator does
not like. The response checks need an *accepted* valid case to judge a 2xx body (SCHEMA-002,
SCHEMA-003, AUTH-007), so every operation is first sent once the way a careful client would:
the required parameters only, with values that name the campaign's own objects (`minimal_body`),
after the steps that give the operation something to act on (`prepare`: a work item placed in
the cycle it is then removed from, a cycle that has ended before it is archived...).

A refused minimal case is not failed here: it leaves the response checks of that operation *not
verified*, with the server's words (whether a documented body is refused is SCHEMA-005's rule).
A refused preparation step makes the operation *blocked*.
"""

from __future__ import annotations

import re
import secrets
import string

import httpx

from conformance.fuzz.project import FuzzProject, Unresolved
from conformance.fuzz.transport import FuzzBody, FuzzOperation
from conformance.target.answers import describe

PAST = {"start_date": "2020-01-01", "end_date": "2020-01-02"}  # a cycle that has ended
COMPLETED = {"status": "completed"}  # a module that may be archived
COLOR = "#3366aa"


def _letters(count: int = 6) -> str:
    return "".join(secrets.choice(string.ascii_uppercase) for _ in range(count))


def _suffix(operation: FuzzOperation) -> str:
    """The path below the project (or the workspace), parameters kept: "cycles/{cycle_id}/"."""
    path = operation.path
    for scope in ("/projects/{project_id}/", "/projects/{resource_id}/", "/workspaces/"):
        if scope in path:
            path = path.split(scope, 1)[1]
    return path.removeprefix("{workspace_slug}/")


def minimal_body(operation: FuzzOperation, project: FuzzProject) -> tuple[bool, FuzzBody]:
    """(has a body, the body): the documented required fields, with working values."""
    if not operation.body:
        return False, None
    method, suffix = operation.method.upper(), _suffix(operation)
    name = project.scratch.name(f"schema {method.lower()}")
    if method in ("PATCH", "PUT"):
        return True, {}  # every documented update field is optional: change nothing
    creates: dict[str, FuzzBody] = {
        "projects/": {"name": name, "identifier": "Z" + _letters(5)},
        "cycles/": {"name": name},
        "modules/": {"name": name},
        "labels/": {"name": name, "color": COLOR},
        "states/": {"name": name, "color": COLOR},
        "work-items/": {"name": name},
        "issues/": {"name": name},
        "intake-issues/": {"issue": {"name": name}},
        "stickies/": {"name": name, "description_html": "<p>plc</p>"},
    }
    if suffix in creates:
        return True, creates[suffix]
    tail = re.sub(r"\{[^}]+\}/", "", suffix)  # "cycles/cycle-issues/"...
    if tail.endswith(("comments/",)):
        return True, {"comment_html": "<p>plc</p>"}
    if tail.endswith("links/"):
        return True, {"url": f"https://example.com/plc/{_letters()}"}
    if tail.endswith(("attachments/", "issue-attachments/")):
        return True, {"name": f"plc-{_letters()}.txt", "size": 1, "type": "text/plain"}
    if tail.endswith(("cycle-issues/", "module-issues/")):
        return True, {"issues": [_need(project, "work_item")]}
    if tail.endswith("transfer-issues/"):
        return True, {"new_cycle_id": _fresh(project, "cycle")}
    if tail.endswith("relations/"):
        return True, {"relation_type": "relates_to", "issues": [_fresh(project, "work_item")]}
    if tail.endswith("relations/remove/"):
        return True, {"related_issue": project.ids["related"]}
    return True, {}


def _need(project: FuzzProject, kind: str) -> str:
    value = project.get(kind)
    if value is None:
        raise Unresolved(f"no {kind.replace('_', ' ')}: {project.problems.get(kind)}", refused=True)
    return value


def _fresh(project: FuzzProject, kind: str, extra: dict[str, str] | None = None) -> str:
    value = project.fresh(kind, extra)
    if value is None:
        raise Unresolved(f"no {kind.replace('_', ' ')}: {project.problems.get(kind)}", refused=True)
    return value


def _step(project: FuzzProject, method: str, suffix: str, body: FuzzBody = None) -> None:
    """A preparation step; a refusal makes the operation blocked, with the server's words. A
    step that is not routed leaves it not verified: the absence is CAP-001's (one verdict)."""
    response: httpx.Response = project.client.request(method, project.path(suffix), json=body)
    if project.client.routes.looks_unrouted(response):
        raise Unresolved(
            f"a preparation step is not routed: {describe(response)} (judged by CAP-001)",
            refused=False,
        )
    if not 200 <= response.status_code < 300:
        raise Unresolved(f"a preparation step was refused: {describe(response)}", refused=True)


def prepare(operation: FuzzOperation, project: FuzzProject, parameters: dict[str, str]) -> None:
    """Give the operation something to act on (see the module docstring); raises Unresolved."""
    method, suffix = operation.method.upper(), _suffix(operation)
    if method == "DELETE" and suffix.startswith("cycles/{cycle_id}/cycle-issues/"):
        cycle, item = parameters["cycle_id"], parameters["work_item_id"]
        _step(project, "POST", f"cycles/{cycle}/cycle-issues/", {"issues": [item]})
    elif method == "DELETE" and suffix.startswith("modules/{module_id}/module-issues/"):
        module, item = parameters["module_id"], parameters["work_item_id"]
        _step(project, "POST", f"modules/{module}/module-issues/", {"issues": [item]})
    elif suffix in ("cycles/{cycle_id}/archive/", "archived-cycles/{cycle_id}/unarchive/"):
        cycle = _fresh(project, "cycle", PAST)  # only a cycle that has ended is archived
        parameters["cycle_id"] = cycle
        if "unarchive" in suffix:
            _step(project, "POST", f"cycles/{cycle}/archive/")
    elif suffix in ("modules/{resource_id}/archive/", "archived-modules/{resource_id}/unarchive/"):
        module = _fresh(project, "module", COMPLETED)  # only a finished module is archived
        parameters["resource_id"] = module
        if "unarchive" in suffix:
            _step(project, "POST", f"modules/{module}/archive/")
    elif suffix.endswith("relations/remove/"):
        other = _fresh(project, "work_item")
        item = parameters["work_item_id"]
        _step(
            project,
            "POST",
            f"work-items/{item}/relations/",
            {"relation_type": "relates_to", "issues": [other]},
        )
        project.ids["related"] = other

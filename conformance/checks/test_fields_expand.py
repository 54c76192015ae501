"""The fields and expand query parameters (API introduction): FIELD-001..004, EXP-001..004.

One work item with an assignee and a state is seeded per module; every distinct request is sent
once and its answer shared (`Answers`), so the module costs about a dozen requests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conformance.outcomes import Blocked, NotSelected, NotVerified
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

UNKNOWN_FIELD = "no_such_field"
NOT_EXPANDABLE = ("name", "no_such_relation")


class Answers:
    """GETs of the seeded work item (detail or list) by query, each sent at most once."""

    def __init__(self, client: TargetClient, list_path: str, item: dict[str, Any]) -> None:
        self.client, self.list_path, self.item = client, list_path, item
        self._cache: dict[tuple[bool, tuple[tuple[str, str], ...]], httpx.Response] = {}

    @property
    def detail_path(self) -> str:
        return f"{self.list_path}{self.item['id']}/"

    def get(self, *, detail: bool, **params: str) -> httpx.Response:
        key = (detail, tuple(sorted(params.items())))
        if key not in self._cache:
            path = self.detail_path if detail else self.list_path
            self._cache[key] = self.client.get(path, params=params)
        return self._cache[key]


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def objects_of(response: httpx.Response, *, detail: bool) -> list[Any]:
    """The work item objects of an answer: the detail itself, or the list's results."""
    body = json_of(response)
    if detail:
        return [body]
    return body.get("results", []) if isinstance(body, dict) else []


def key_problems(objects: list[Any], wanted: set[str]) -> list[str]:
    problems = []
    for obj in objects:
        if not isinstance(obj, dict):
            problems.append(f"{obj!r:.80} is not an object")
        elif set(obj) != wanted:
            extra, missing = sorted(set(obj) - wanted), sorted(wanted - set(obj))
            problems.append(f"keys {sorted(obj)}: extra {extra}, missing {missing}")
    return problems


def expanded_problems(obj: Any, state_id: str, assignee_ids: list[str]) -> list[str]:
    """state is the state object; assignees are the user objects (ids as seeded)."""
    if not isinstance(obj, dict):
        return [f"{obj!r:.80} is not an object"]
    problems = []
    state = obj.get("state")
    if not (isinstance(state, dict) and str(state.get("id")) == state_id):
        problems.append(f"state is {state!r:.120}, expected the object of state {state_id}")
    assignees = obj.get("assignees")
    if not isinstance(assignees, list) or not all(isinstance(a, dict) for a in assignees):
        problems.append(f"assignees is {assignees!r:.120}, expected a list of user objects")
    elif sorted(str(a.get("id")) for a in assignees) != sorted(assignee_ids):
        problems.append(f"assignees {assignees!r:.120} are not the users {assignee_ids}")
    return problems


def refusal_problems(response: httpx.Response, query: str) -> list[str]:
    if 400 <= response.status_code < 500:
        return []
    return [f"{query} answered {response.status_code}, expected a 4xx error"]


def naming_problems(response: httpx.Response, query: str, name: str) -> list[str]:
    if 400 <= response.status_code < 500 and name in response.text:
        return []
    return [f"{query} answered {response.status_code} without naming {name}: {response.text:.160}"]


def check(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def seeded(
    target: TargetConfig, client: TargetClient, scratch: ScratchResources, members: list[str]
) -> dict[str, Any]:
    """A work item with an assignee and a state, and the ids it was created with."""
    if target.read_only:
        raise NotSelected("read-only mode: these checks seed their own work item")
    states = json_of(client.get(scratch.project_path("states/")))
    rows = states.get("results", []) if isinstance(states, dict) else states or []
    if not rows or not members:
        raise Blocked("the scratch project has no state or the workspace no member to assign")
    state_id, assignee = str(rows[0]["id"]), str(members[0])
    body = {"name": scratch.name("fields"), "state": state_id, "assignees": [assignee]}
    item = scratch.create(scratch.project_path("work-items/"), body)
    return {"item": item, "state": state_id, "assignees": [assignee]}


@pytest.fixture(scope="module")
def answers(client: TargetClient, scratch: ScratchResources, seeded: dict[str, Any]) -> Answers:
    return Answers(client, scratch.project_path("work-items/"), seeded["item"])


# --- fields -----------------------------------------------------------------------------------


@pytest.mark.requirement("FIELD-001")
def test_fields_limits_list_items(answers: Answers) -> None:
    response = answers.get(detail=False, fields="id,name")
    assert response.status_code == 200, f"fields=id,name answered {response.status_code}"
    items = objects_of(response, detail=False)
    assert items, "the list holds no items (the seeded work item is missing)"
    check(key_problems(items, {"id", "name"}))


@pytest.mark.requirement("FIELD-002")
def test_fields_limits_a_detail(answers: Answers) -> None:
    response = answers.get(detail=True, fields="id,name")
    assert response.status_code == 200, f"fields=id,name answered {response.status_code}"
    check(key_problems(objects_of(response, detail=True), {"id", "name"}))


@pytest.mark.requirement("FIELD-003")
def test_unknown_field_is_refused(answers: Answers) -> None:
    query = f"fields=id,{UNKNOWN_FIELD}"
    check(refusal_problems(answers.get(detail=False, fields=f"id,{UNKNOWN_FIELD}"), query))


@pytest.mark.requirement("FIELD-004")
def test_unknown_field_error_names_it(answers: Answers) -> None:
    response = answers.get(detail=False, fields=f"id,{UNKNOWN_FIELD}")
    check(naming_problems(response, f"fields=id,{UNKNOWN_FIELD}", UNKNOWN_FIELD))


# --- expand -----------------------------------------------------------------------------------


@pytest.mark.requirement("EXP-001")
def test_expand_nests_assignees_and_state(answers: Answers, seeded: dict[str, Any]) -> None:
    problems = []
    for detail in (True, False):
        response = answers.get(detail=detail, expand="assignees,state")
        where = "detail" if detail else "list"
        if response.status_code != 200:
            problems.append(f"{where}: expand=assignees,state answered {response.status_code}")
            continue
        ours = [
            obj
            for obj in objects_of(response, detail=detail)
            if isinstance(obj, dict) and str(obj.get("id")) == str(seeded["item"]["id"])
        ]
        if not ours:
            problems.append(f"{where}: the seeded work item is not in the answer")
        for obj in ours:
            found = expanded_problems(obj, seeded["state"], seeded["assignees"])
            problems += [f"{where}: {p}" for p in found]
    check(problems)


@pytest.mark.requirement("EXP-002")
def test_unexpandable_name_is_refused(answers: Answers) -> None:
    check(
        [
            p
            for name in NOT_EXPANDABLE
            for p in refusal_problems(answers.get(detail=True, expand=name), f"expand={name}")
        ]
    )


@pytest.mark.requirement("EXP-003")
def test_unexpandable_name_error_names_it(answers: Answers) -> None:
    check(
        [
            p
            for name in NOT_EXPANDABLE
            for p in naming_problems(answers.get(detail=True, expand=name), f"expand={name}", name)
        ]
    )


@pytest.mark.requirement("EXP-004")
def test_fields_and_expand_combine(answers: Answers, seeded: dict[str, Any]) -> None:
    # The combination is judged only where each parameter works alone; a server that ignores
    # one of them fails FIELD-002 or EXP-001, not this check too.
    alone_fields = objects_of(answers.get(detail=True, fields="id,name"), detail=True)
    alone_expand = objects_of(answers.get(detail=True, expand="assignees,state"), detail=True)
    if key_problems(alone_fields, {"id", "name"}):
        raise NotVerified("fields does not work on its own (judged by FIELD-002)")
    if expanded_problems(alone_expand[0], seeded["state"], seeded["assignees"]):
        raise NotVerified("expand does not work on its own (judged by EXP-001)")
    response = answers.get(detail=True, fields="id,state", expand="state")
    assert response.status_code == 200, f"fields=id,state&expand=state: {response.status_code}"
    (obj,) = objects_of(response, detail=True)
    problems = key_problems([obj], {"id", "state"})
    state = obj.get("state") if isinstance(obj, dict) else None
    if not (isinstance(state, dict) and str(state.get("id")) == seeded["state"]):
        problems.append(f"state is {state!r:.120}, expected the expanded state object")
    check(problems)

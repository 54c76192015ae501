"""The fields and expand query parameters (API introduction): FIELD-001..004, EXP-001..004.

One work item with an assignee and a state is seeded per module; every distinct request is sent
once and its answer shared (`Answers`), so the module costs about a dozen requests.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conformance.checks._refusals import require_json_refusal
from conformance.outcomes import Blocked, NotSelected, NotVerified, Units
from conformance.target.answers import json_of
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

UNKNOWN_FIELD = "no_such_field"
NOT_EXPANDABLE = ("name", "no_such_relation")


def unreadable(response: httpx.Response) -> str | None:
    """Why a plain GET (no fields, no expand) leaves nothing to shape, naming the requirement
    that judges it; None when it answered 200."""
    status = response.status_code
    if status == 200:
        return None
    where = f"GET {response.request.url.path} answered {status} without fields or expand"
    if 300 <= status < 400:
        return f"{where} (a redirect: judged by REDIR-001)"
    if status >= 500:
        return f"{where} (judged by STATUS-010)"
    return f"{where} (judged by STATUS-003)"


class Answers:
    """GETs of the seeded work item (detail or list) by query, each sent at most once.

    A query is judged only where the same GET without fields and expand answers 200: a detail
    that answers 404 or a list that redirects is another requirement's departure, and leaves
    these rules nothing to inspect (NotVerified, naming it)."""

    def __init__(self, client: TargetClient, list_path: str, item: dict[str, Any]) -> None:
        self.client, self.list_path, self.item = client, list_path, item
        self._cache: dict[tuple[bool, tuple[tuple[str, str], ...]], httpx.Response] = {}

    @property
    def detail_path(self) -> str:
        return f"{self.list_path}{self.item['id']}/"

    def _fetch(self, detail: bool, params: dict[str, str]) -> httpx.Response:
        key = (detail, tuple(sorted(params.items())))
        if key not in self._cache:
            path = self.detail_path if detail else self.list_path
            self._cache[key] = self.client.get(path, params=params)
        return self._cache[key]

    def plain(self, *, detail: bool) -> httpx.Response:
        return self._fetch(detail, {})

    def get(self, *, detail: bool, **params: str) -> httpx.Response:
        why = unreadable(self.plain(detail=detail))
        if why is not None:
            raise NotVerified(why)
        return self._fetch(detail, params)


def objects_of(response: httpx.Response, *, detail: bool) -> list[Any]:
    """The work item objects of an answer: the detail itself, or the list's results."""
    body = json_of(response)
    if detail:
        return [body]
    return body.get("results", []) if isinstance(body, dict) else []


def key_problems(objects: list[object], wanted: set[str]) -> list[str]:
    problems = []
    for obj in objects:
        if not isinstance(obj, dict):
            problems.append(f"{obj!r:.80} is not an object")
        elif set(obj) != wanted:
            extra, missing = sorted(set(obj) - wanted), sorted(wanted - set(obj))
            problems.append(f"keys {sorted(obj)}: extra {extra}, missing {missing}")
    return problems


def state_problems(obj: object, state_id: str) -> list[str]:
    """state is the state object (with the id the item holds)."""
    if not isinstance(obj, dict):
        return [f"{obj!r:.80} is not an object"]
    state = obj.get("state")
    if isinstance(state, dict) and str(state.get("id")) == state_id:
        return []
    return [f"state is {state!r:.120}, expected the object of state {state_id}"]


def assignee_problems(obj: object, assignee_ids: list[str]) -> list[str]:
    """assignees are the user objects (with the ids the item holds)."""
    if not isinstance(obj, dict):
        return [f"{obj!r:.80} is not an object"]
    assignees = obj.get("assignees")
    if not isinstance(assignees, list) or not all(isinstance(a, dict) for a in assignees):
        return [f"assignees is {assignees!r:.120}, expected a list of user objects"]
    if sorted(str(a.get("id")) for a in assignees) != sorted(assignee_ids):
        return [f"assignees {assignees!r:.120} are not the users {assignee_ids}"]
    return []


def related_ids(item: object) -> tuple[str | None, list[str]]:
    """The state id and assignee ids a work item (read without expand) holds."""
    if not isinstance(item, dict):
        return None, []
    state = item.get("state")
    state_id = str(state.get("id") if isinstance(state, dict) else state) if state else None
    assignees = item.get("assignees")
    ids = [
        str(a.get("id") if isinstance(a, dict) else a)
        for a in (assignees if isinstance(assignees, list) else [])
    ]
    return state_id, ids


def refusal_problems(response: httpx.Response, query: str) -> list[str]:
    if 400 <= response.status_code < 500:
        return []
    return [f"{query} answered {response.status_code}, expected a 4xx error"]


def naming_problems(response: httpx.Response, query: str, name: str) -> list[str]:
    require_json_refusal(response, query)
    if 400 <= response.status_code < 500 and name in response.text:
        return []
    return [f"{query} answered {response.status_code} without naming {name}: {response.text:.160}"]


def check(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def seeded(
    target: TargetConfig, client: TargetClient, scratch: ScratchResources, me: str
) -> dict[str, Any]:
    """A work item with a state and the key's own user as assignee, and the state and assignee
    ids it holds as read back (a server may drop an assignee it will not honour: RT-005's)."""
    if target.read_only:
        raise NotSelected("read-only mode: these checks seed their own work item")
    states = json_of(client.get(scratch.project_path("states/")))
    rows = states.get("results", []) if isinstance(states, dict) else states or []
    if not rows or not isinstance(rows[0], dict) or "id" not in rows[0]:
        raise Blocked(f"the project lists no state to give a work item: {states!r:.200}")
    body = {"name": scratch.name("fields"), "state": str(rows[0]["id"]), "assignees": [me]}
    return {"item": scratch.create(scratch.project_path("work-items/"), body), "sent": body}


@pytest.fixture(scope="module")
def answers(client: TargetClient, scratch: ScratchResources, seeded: dict[str, Any]) -> Answers:
    return Answers(client, scratch.project_path("work-items/"), seeded["item"])


@pytest.fixture(scope="module")
def held(answers: Answers, seeded: dict[str, Any]) -> dict[str, Any]:
    """The state and assignee ids the work item holds, as read back without expand."""
    stored = json_of(answers.plain(detail=True))
    state_id, assignees = related_ids(stored if isinstance(stored, dict) else seeded["item"])
    state = state_id or seeded["sent"]["state"]
    return {"id": str(seeded["item"]["id"]), "state": state, "assignees": assignees}


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
    query = f"fields=id,{UNKNOWN_FIELD}"
    response = answers.get(detail=False, fields=f"id,{UNKNOWN_FIELD}")
    if refusal_problems(response, query):
        reason = f"{query} answered {response.status_code}: no error to read"
        raise NotVerified(f"{reason} (judged by FIELD-003)")
    check(naming_problems(response, query, UNKNOWN_FIELD))


# --- expand -----------------------------------------------------------------------------------


def _seeded_in(response: httpx.Response, detail: bool, item_id: str) -> tuple[list[Any], str]:
    """The seeded work item's objects in an answer, or why there are none."""
    if response.status_code != 200:
        return [], f"expand=assignees,state answered {response.status_code}"
    ours = [
        obj
        for obj in objects_of(response, detail=detail)
        if isinstance(obj, dict) and str(obj.get("id")) == item_id
    ]
    return ours, "" if ours else "the seeded work item is not in the answer"


@pytest.mark.requirement("EXP-001")
def test_expand_nests_assignees_and_state(
    answers: Answers, held: dict[str, Any], units: Units
) -> None:
    """With expand=assignees,state the detail and the list nest both relations, as objects."""
    for detail in (True, False):
        where = "detail" if detail else "list"
        try:
            response = answers.get(detail=detail, expand="assignees,state")
        except NotVerified as unread:
            units.not_verified("EXP-001", f"{where}: state", unread.reason)
            units.not_verified("EXP-001", f"{where}: assignees", unread.reason)
            continue
        ours, missing = _seeded_in(response, detail, held["id"])
        state = [p for obj in ours for p in state_problems(obj, held["state"])]
        units.judge("EXP-001", f"{where}: state", [missing] if missing else state)
        if not held["assignees"]:
            reason = "the work item holds no assignee to expand (the key's user was not kept)"
            units.not_verified("EXP-001", f"{where}: assignees", reason)
            continue
        people = [p for obj in ours for p in assignee_problems(obj, held["assignees"])]
        units.judge("EXP-001", f"{where}: assignees", [missing] if missing else people)
    units.conclude()


@pytest.mark.requirement("EXP-002")
def test_unexpandable_name_is_refused(answers: Answers, units: Units) -> None:
    for name in NOT_EXPANDABLE:
        response = answers.get(detail=True, expand=name)
        units.judge("EXP-002", f"expand={name}", refusal_problems(response, f"expand={name}"))
    units.conclude()


@pytest.mark.requirement("EXP-003")
def test_unexpandable_name_error_names_it(answers: Answers, units: Units) -> None:
    for name in NOT_EXPANDABLE:
        query = f"expand={name}"
        response = answers.get(detail=True, expand=name)
        if refusal_problems(response, query):
            reason = f"answered {response.status_code}: no error to read (judged by EXP-002)"
            units.not_verified("EXP-003", query, reason)
            continue
        units.judge("EXP-003", query, naming_problems(response, query, name))
    units.conclude()


@pytest.mark.requirement("EXP-004")
def test_fields_and_expand_combine(answers: Answers, held: dict[str, Any]) -> None:
    # The combination is judged only where each parameter works alone; a server that ignores
    # one of them fails FIELD-002 or EXP-001, not this check too.
    alone_fields = objects_of(answers.get(detail=True, fields="id,name"), detail=True)
    alone_expand = objects_of(answers.get(detail=True, expand="assignees,state"), detail=True)
    if key_problems(alone_fields, {"id", "name"}):
        raise NotVerified("fields does not work on its own (judged by FIELD-002)")
    if state_problems(alone_expand[0], held["state"]):
        raise NotVerified("expand does not work on its own (judged by EXP-001)")
    response = answers.get(detail=True, fields="id,state", expand="state")
    assert response.status_code == 200, f"fields=id,state&expand=state: {response.status_code}"
    (obj,) = objects_of(response, detail=True)
    problems = key_problems([obj], {"id", "state"})
    state = obj.get("state") if isinstance(obj, dict) else None
    if not (isinstance(state, dict) and str(state.get("id")) == held["state"]):
        problems.append(f"state is {state!r:.120}, expected the expanded state object")
    check(problems)

"""The fields and expand query parameters (API introduction, "Fields and Expand"): FIELD-001..004,
EXP-001..004.

The units come from the docs, through the spec, when the checks are collected
(`checks/_documented.py`), never from what a check happens to touch: every documented GET whose
page offers `fields` is a unit of FIELD-003/004 and of FIELD-001 (a list) or FIELD-002 (one
object); every one offering `expand` is a unit of EXP-002/003, and of EXP-001/004 where its
objects hold the relations of the docs' example (assignees, state). Core and commercial-edition
operations alike: an operation the target does not serve (it answers like a URL it does not
route) is *not applicable* when it is an optional edition's, *not verified* (judged by CAP-001)
when it is core; one whose objects cannot be had is blocked or not verified with why, never passed.

The module works in a project of its own with one object of each kind its lists need, made on first
use (`checks/_seeded.py`: a work item assigned to the key's own user, a label, a cycle, a module
holding the work item, an archived module, an intake entry, a comment, a link). Every distinct
request is sent once and its answer shared by every requirement that can judge it (`Answers`): per
operation one plain read (what the objects hold: the fields asked for are two of those), one
`fields=a,b` read, one unknown field, one field that cannot be expanded, and
`expand=assignees,state` where the objects hold those.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from conformance.checks._documented import DocumentedGet, Unrouted, offering
from conformance.checks._refusals import require_json_refusal
from conformance.checks._seeded import EVENTUAL, EVENTUAL_TRIES, EVENTUAL_WAIT_S, Seeded
from conformance.fuzz.project import KIND_OF_SEGMENT
from conformance.outcomes import Blocked, NotApplicable, NotVerified, Outcome, Units
from conformance.target.answers import json_of
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

UNKNOWN_FIELD = "no_such_field"
UNKNOWN_RELATION = "no_such_relation"
RELATIONS = ("assignees", "state")  # the docs' example: expand=assignees,state
FIELDS = offering("fields")
EXPAND = offering("expand")


def recorded_in_background(get: DocumentedGet) -> bool:
    """Whether the objects of a list may appear a moment after what made them."""
    last = [s for s in get.path.strip("/").split("/") if not s.startswith("{")][-1]
    return KIND_OF_SEGMENT.get(last) in EVENTUAL


def objects_of(body: Any, get: DocumentedGet) -> list[Any]:
    """The objects an answer holds: a list's items (a paginated envelope or a bare array), or
    the one object of a detail (a detail documented with an envelope may answer either)."""
    enveloped = isinstance(body, dict) and isinstance(body.get("results"), list)
    if enveloped and (get.kind == "list" or get.paginated):
        return list(body["results"])
    if get.kind == "list":
        return list(body) if isinstance(body, list) else []
    return [body]


class Answers:
    """The GETs of the documented operations, each distinct one sent at most once, in the
    module's own project (`Seeded`)."""

    def __init__(self, client: TargetClient, seeded: Seeded) -> None:
        self.client, self.seeded = client, seeded
        self.unrouted = Unrouted(client)
        self._paths: dict[str, str | Outcome] = {}
        self._cache: dict[tuple[str, tuple[tuple[str, str], ...]], httpx.Response] = {}

    def path(self, get: DocumentedGet) -> str:
        """The operation's path with real ids, its list populated (raises the rung of what
        could not be had, the same for every requirement asking)."""
        if get.path not in self._paths:
            try:
                if get.kind == "list":
                    self.seeded.populate(get.path)
                self._paths[get.path] = self.seeded.path(get.path)
            except Outcome as outcome:
                self._paths[get.path] = self._served_or(get, outcome)
        found = self._paths[get.path]
        if isinstance(found, Outcome):
            raise found
        return found

    def _served_or(self, get: DocumentedGet, outcome: Outcome) -> Outcome:
        """Why an operation whose objects cannot be had is not judged: not applicable when it
        is an optional edition's that the target does not serve (one GET with random ids
        asks), else `outcome`."""
        if get.core or isinstance(outcome, NotApplicable):
            return outcome
        try:
            response = self.client.get(self.seeded.probe_path(get.path))
        except Outcome:
            return outcome
        if self.unrouted.like(response):
            return NotApplicable(
                f"GET {response.request.url.path} answered {response.status_code}, like a URL "
                "it does not route: not served here"
            )
        return outcome

    def fetch(self, get: DocumentedGet, **params: str) -> httpx.Response:
        path = self.path(get)
        key = (path, tuple(sorted(params.items())))
        if key not in self._cache:
            self._cache[key] = self.client.get(path, params=params or None)
        return self._cache[key]

    def objects(self, get: DocumentedGet) -> list[dict[str, Any]]:
        """The objects of the plain read (no fields, no expand); raises the rung that says why
        there are none to shape: an operation not served, a refusal, a break, an empty list."""
        response = self.fetch(get)
        status = response.status_code
        where = f"GET {response.request.url.path} answered {status} without fields or expand"
        if status != 200:
            if self.unrouted.like(response):
                if get.core:
                    raise NotVerified(f"{where}, like a URL it does not route (judged by CAP-001)")
                raise NotApplicable(f"{where}, like a URL it does not route: not served here")
            if status in (401, 403):
                raise Blocked(f"{where}: {response.text[:160]}")
            judge = "REDIR-001" if 300 <= status < 400 else "STATUS-010" if status >= 500 else None
            raise NotVerified(f"{where} (judged by {judge or 'STATUS-003'})")
        objects = [o for o in objects_of(json_of(response), get) if isinstance(o, dict)]
        if not objects and recorded_in_background(get):
            objects = self._eventually(get)
        if not objects:
            raise NotVerified(f"{where} holding no object to shape")
        return objects

    def _eventually(self, get: DocumentedGet) -> list[dict[str, Any]]:
        """A list the target fills in the background (Plane records activities in a Celery
        task): read again a few times, the last answer kept as the plain read."""
        key = (self.path(get), ())
        objects: list[dict[str, Any]] = []
        for _ in range(EVENTUAL_TRIES):
            time.sleep(EVENTUAL_WAIT_S)
            self._cache[key] = self.client.get(key[0])
            if self._cache[key].status_code != 200:
                break
            found = objects_of(json_of(self._cache[key]), get)
            objects = [o for o in found if isinstance(o, dict)]
            if objects:
                break
        return objects

    def pair(self, get: DocumentedGet) -> tuple[str, str]:
        """Two documented fields the objects carry, for `fields=a,b` (id and name if there)."""
        carried = set(self.objects(get)[0])
        named = [n for n in get.pair if n in carried]
        others = [n for n in get.properties if n in carried and n not in named]
        if len(named) + len(others) < 2:
            raise NotVerified(f"the objects of {get.label} carry fewer than two documented fields")
        ordered = [*named, *others]
        return ordered[0], ordered[1]

    def plain_field(self, get: DocumentedGet) -> str | None:
        """A documented plain (never expandable) field the objects carry, name first."""
        carried = set(self.objects(get)[0])
        plain = [n for n in ("name", *get.plain) if n in get.plain and n in carried]
        return plain[0] if plain else None


@pytest.fixture(scope="module")
def answers(
    client: TargetClient, scratch: ScratchResources, target: TargetConfig, me: str
) -> Answers:
    seeded = Seeded(client, scratch, target, me, work_item={"assignees": [me]})
    return Answers(client, seeded)


def key_problems(objects: list[object], wanted: set[str]) -> list[str]:
    problems = []
    for obj in objects:
        if not isinstance(obj, dict):
            problems.append(f"{obj!r:.80} is not an object")
        elif set(obj) != wanted:
            extra, missing = sorted(set(obj) - wanted), sorted(wanted - set(obj))
            problems.append(f"keys {sorted(obj)}: extra {extra}, missing {missing}")
    return problems[:3]


def refusal_problems(response: httpx.Response, query: str) -> list[str]:
    if 400 <= response.status_code < 500:
        return []
    return [f"{query} answered {response.status_code}, expected a 4xx error"]


def naming_problems(response: httpx.Response, query: str, name: str) -> list[str]:
    require_json_refusal(response, query)
    if 400 <= response.status_code < 500 and name in response.text:
        return []
    return [f"{query} answered {response.status_code} without naming {name}: {response.text:.160}"]


# --- fields -----------------------------------------------------------------------------------


def fields_problems(answers: Answers, get: DocumentedGet) -> list[str]:
    """With fields=a,b every object the operation answers holds exactly a and b."""
    a, b = answers.pair(get)
    query = f"fields={a},{b}"
    response = answers.fetch(get, fields=f"{a},{b}")
    if response.status_code != 200:
        return [f"{query} answered {response.status_code}: {response.text:.120}"]
    objects = objects_of(json_of(response), get)
    if not objects:
        return [f"{query} answered no object (without it: {len(answers.objects(get))})"]
    return [f"{query}: {p}" for p in key_problems(objects, {a, b})]


def judge_fields(answers: Answers, units: Units, requirement: str, kind: str) -> None:
    for get in (g for g in FIELDS if g.kind == kind):
        try:
            units.judge(requirement, get.label, fields_problems(answers, get))
        except Outcome as outcome:
            units.left(requirement, get.label, outcome)
    units.conclude()


@pytest.mark.requirement("FIELD-001")
def test_fields_limits_list_items(answers: Answers, units: Units) -> None:
    """Every documented list whose page offers fields: each item holds exactly the two named."""
    judge_fields(answers, units, "FIELD-001", "list")


@pytest.mark.requirement("FIELD-002")
def test_fields_limits_a_detail(answers: Answers, units: Units) -> None:
    """Every documented single-object GET whose page offers fields."""
    judge_fields(answers, units, "FIELD-002", "detail")


def unknown_field_answer(answers: Answers, get: DocumentedGet) -> tuple[str, httpx.Response]:
    first, _ = answers.pair(get)
    return f"fields={first},{UNKNOWN_FIELD}", answers.fetch(get, fields=f"{first},{UNKNOWN_FIELD}")


@pytest.mark.requirement("FIELD-003")
def test_unknown_field_is_refused(answers: Answers, units: Units) -> None:
    for get in FIELDS:
        try:
            query, response = unknown_field_answer(answers, get)
        except Outcome as outcome:
            units.left("FIELD-003", get.label, outcome)
            continue
        units.judge("FIELD-003", get.label, refusal_problems(response, query))
    units.conclude()


@pytest.mark.requirement("FIELD-004")
def test_unknown_field_error_names_it(answers: Answers, units: Units) -> None:
    for get in FIELDS:
        try:
            query, response = unknown_field_answer(answers, get)
            if refusal_problems(response, query):
                raise NotVerified(
                    f"{query} answered {response.status_code}: no error to read "
                    "(judged by FIELD-003)"
                )
            units.judge("FIELD-004", get.label, naming_problems(response, query, UNKNOWN_FIELD))
        except Outcome as outcome:
            units.left("FIELD-004", get.label, outcome)
    units.conclude()


# --- expand -----------------------------------------------------------------------------------


def relation_holders() -> list[DocumentedGet]:
    """The operations offering expand whose objects hold the docs' example relations."""
    return [get for get in EXPAND if get.has(*RELATIONS)]


def held(answers: Answers, get: DocumentedGet, item: str) -> dict[str, Any]:
    """The module's work item as the plain read gives it (the relations it holds, as ids)."""
    mine = [o for o in answers.objects(get) if str(o.get("id")) == item]
    if not mine:
        raise NotVerified(f"{get.label} without expand does not hold the module's work item")
    return mine[0]


def ids_of(value: object) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return sorted(str(v.get("id") if isinstance(v, dict) else v) for v in values if v)


def relation_problems(obj: object, name: str, wanted: list[str]) -> list[str]:
    """`name` is the related object (state) or objects (assignees), with the ids held."""
    if not isinstance(obj, dict):
        return [f"{obj!r:.80} is not an object"]
    value = obj.get(name)
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, dict) for v in values):
        return [f"{name} is {value!r:.120}, expected the related object(s)"]
    if ids_of(value) != wanted:
        return [f"{name} {value!r:.120} does not name {wanted}"]
    return []


def expanded(
    answers: Answers, get: DocumentedGet, **params: str
) -> tuple[dict[str, Any], dict[str, Any] | str]:
    """(the work item without expand, the work item in the answer with `params`) or why the
    answer holds none."""
    item = answers.seeded.work_item()
    plain = held(answers, get, item)
    response = answers.fetch(get, **params)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    if response.status_code != 200:
        return plain, f"{query} answered {response.status_code}: {response.text:.120}"
    mine = [
        o
        for o in objects_of(json_of(response), get)
        if isinstance(o, dict) and str(o.get("id")) == item
    ]
    return plain, mine[0] if mine else f"{query}: the work item is not in the answer"


@pytest.mark.requirement("EXP-001")
def test_expand_nests_assignees_and_state(answers: Answers, units: Units) -> None:
    """expand=assignees,state nests both relations as objects, on every operation whose
    objects hold them (a unit per relation and operation)."""
    for get in relation_holders():
        try:
            plain, found = expanded(answers, get, expand=",".join(RELATIONS))
        except Outcome as outcome:
            for name in RELATIONS:
                units.left("EXP-001", f"{get.label}: {name}", outcome)
            continue
        for name in RELATIONS:
            unit, wanted = f"{get.label}: {name}", ids_of(plain.get(name))
            if not wanted:
                units.not_verified("EXP-001", unit, f"the work item holds no {name} to expand")
            elif isinstance(found, str):
                units.failed("EXP-001", unit, found)
            else:
                units.judge("EXP-001", unit, relation_problems(found, name, wanted))
    units.conclude()


def unexpandable(answers: Answers, get: DocumentedGet) -> list[tuple[str, httpx.Response]]:
    """expand on a field that cannot be expanded (the docs' words): a plain field the objects
    carry, or, where they carry none, a name no object has. One probe per operation."""
    name = answers.plain_field(get) or UNKNOWN_RELATION
    return [(f"expand={name}", answers.fetch(get, expand=name))]


@pytest.mark.requirement("EXP-002")
def test_unexpandable_name_is_refused(answers: Answers, units: Units) -> None:
    for get in EXPAND:
        try:
            probes = unexpandable(answers, get)
        except Outcome as outcome:
            units.left("EXP-002", get.label, outcome)
            continue
        problems = [p for query, response in probes for p in refusal_problems(response, query)]
        units.judge("EXP-002", get.label, problems)
    units.conclude()


@pytest.mark.requirement("EXP-003")
def test_unexpandable_name_error_names_it(answers: Answers, units: Units) -> None:
    for get in EXPAND:
        try:
            probes = unexpandable(answers, get)
            refused = [(q, r) for q, r in probes if not refusal_problems(r, q)]
            if not refused:
                raise NotVerified("no expand probe was refused: no error to read (EXP-002's)")
            problems = [
                p for query, r in refused for p in naming_problems(r, query, query.split("=")[1])
            ]
            units.judge("EXP-003", get.label, problems)
        except Outcome as outcome:
            units.left("EXP-003", get.label, outcome)
    units.conclude()


@pytest.mark.requirement("EXP-004")
def test_fields_and_expand_combine(answers: Answers, units: Units) -> None:
    """fields=id,state&expand=state: exactly id and state, the state as an object. Judged only
    where each parameter works alone on that operation: a server that ignores one of them fails
    FIELD-001/002 or EXP-001, not this rule too."""
    for get in (g for g in relation_holders() if g.offers("fields")):
        try:
            if fields_problems(answers, get):
                judge = "FIELD-001" if get.kind == "list" else "FIELD-002"
                raise NotVerified(f"fields does not work on its own here (judged by {judge})")
            plain, alone = expanded(answers, get, expand=",".join(RELATIONS))
            state = ids_of(plain.get("state"))
            if not state:
                raise NotVerified("the work item holds no state to expand")
            if isinstance(alone, str) or relation_problems(alone, "state", state):
                raise NotVerified("expand does not work on its own here (judged by EXP-001)")
            _, found = expanded(answers, get, fields="id,state", expand="state")
        except Outcome as outcome:
            units.left("EXP-004", get.label, outcome)
            continue
        if isinstance(found, str):
            units.failed("EXP-004", get.label, found)
            continue
        problems = key_problems([found], {"id", "state"}) + relation_problems(found, "state", state)
        units.judge("EXP-004", get.label, problems)
    units.conclude()

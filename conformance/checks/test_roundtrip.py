"""Write round-trip: accepted means persisted; PATCH is partial; references are honoured or
refused (RT-001..005).

The fields come from the spec's request schemas (server-managed fields aside), so a field the
docs add is checked without touching this module. One module-scoped seed (two labels, two
states, a parent work item) serves every check. The creates are steps (any 2xx with an object;
a refusal blocks); what an RT check judges is what an *accepted* write left behind, so a write
the target refuses leaves that unit not verified, with the server's words.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks._integrator import (
    OK,
    describe,
    differences,
    fetch,
    json_of,
    require_permission,
    same_value,
)
from conformance.outcomes import NotSelected, NotVerified, Units
from conformance.spec.openapi import load_openapi
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

# Request-schema properties the server sets itself (or that need a commercial feature).
SERVER_MANAGED = frozenset(
    {
        "id", "created_at", "updated_at", "created_by", "updated_by", "deleted_at",
        "description_stripped", "sequence_id", "completed_at", "archived_at",
        "last_activity_at", "estimate_point", "type", "type_id", "project_id", "workspace",
        "project", "default", "is_triage",
    }
)  # fmt: skip
# Fields a create body may carry but the object's overview page calls generated at creation:
# "sort_order ... Auto generated from the system during creation" (Work items / overview),
# "sequence ... Auto generated sequence of the state" (States / overview). A PATCH sets them.
GENERATED_ON_CREATE = {"work_item": frozenset({"sort_order"}), "state": frozenset({"sequence"})}
COLLECTIONS = {"work_item": "work-items/", "label": "labels/", "state": "states/",
               "cycle": "cycles/", "module": "modules/"}  # fmt: skip


def request_properties(collection: str) -> dict[str, dict[str, Any]]:
    spec = load_openapi()
    path = "/api/v1/workspaces/{workspace_slug}/projects/{project_id}/" + collection
    schema = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    props = schema.get("properties", {})
    return {name: prop for name, prop in props.items() if name not in SERVER_MANAGED}


class Seed:
    def __init__(self, scratch: ScratchResources, me: str) -> None:
        self.scratch = scratch
        self.me = me
        make = scratch.create
        self.labels = [
            str(make(scratch.project_path("labels/"), {"name": scratch.name("rt-label")})["id"])
            for _ in range(2)
        ]
        self.states = [
            str(make(scratch.project_path("states/"),
                     {"name": scratch.name("rt-state"), "color": "#445566", "group": group})["id"])
            for group in ("started", "unstarted")
        ]  # fmt: skip
        self.parent = str(self.item({"name": scratch.name("rt-parent")})["id"])

    def item(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.scratch.create(self.scratch.project_path("work-items/"), body)

    def values(self, kind: str, variant: int) -> Callable[[str, dict[str, Any]], Any]:
        """A value for each writable field; variant 0 for creates, 1 for a PATCH."""
        known: dict[str, Any] = {
            "name": self.scratch.name(f"rt-{kind}"),
            "description_html": f"<p>plc round trip {variant}</p>",
            "description": f"plc round trip {variant}",
            "start_date": f"2031-0{3 + variant}-01",
            "target_date": f"2031-0{3 + variant}-20",
            "end_date": f"2031-0{3 + variant}-20",
            "state": self.states[variant],
            "labels": [self.labels[variant]] if variant else self.labels,
            "assignees": [self.me],
            "members": [self.me],
            "lead": self.me,
            "owned_by": self.me,
            "parent": self.parent if kind == "work_item" else self.labels[0],
            "point": 3 + variant,
            "sort_order": 12345.0 + variant,
            "sequence": 55555.0 + variant,
            # A value that changes whether the object is listed or read at all is not
            # round-trippable through a read (Plane hides drafts): always the visible value.
            "is_draft": False,
            "color": f"#12345{variant}",
            "timezone": "Europe/Paris",
            "external_source": "plc-roundtrip",
            "external_id": self.scratch.name("rt-ext"),
        }

        def value(name: str, prop: dict[str, Any]) -> Any:
            if name in known:
                return known[name]
            if "enum" in prop:
                return prop["enum"][(1 + variant) % len(prop["enum"])]
            kinds = prop.get("type")
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if "boolean" in kinds:
                return not variant
            if "integer" in kinds:
                return 7 + variant
            if "number" in kinds:
                return 7.5 + variant
            if "string" in kinds and not prop.get("format"):
                return self.scratch.name(f"rt-{name}")
            return None  # a shape this module cannot fill (an id of an unknown kind...)

        return value


@pytest.fixture(scope="module")
def seed(target: TargetConfig, scratch: ScratchResources, me: str) -> Seed:
    if target.read_only:
        raise NotSelected("read-only mode: these checks create their own objects")
    return Seed(scratch, me)


def body_for(seed: Seed, kind: str, variant: int, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    value = seed.values(kind, variant)
    body = {}
    for name, prop in request_properties(COLLECTIONS[kind]).items():
        chosen = value(name, prop)
        if chosen is not None and name not in skip:
            body[name] = chosen
    return body


def read(client: TargetClient, path: str, after: str) -> dict[str, Any]:
    """The object at `path`, read back `after` a write the target accepted. A read that
    fails leaves nothing to compare: whether an existing object is readable is STATUS-003's."""
    response = fetch(client, path)
    body = json_of(response)
    if response.status_code == 200 and isinstance(body, dict):
        return body
    raise NotVerified(f"no read to compare after {after}: {describe(response)}; judged by "
                      "STATUS-003")  # fmt: skip


def persisted_nothing(before: dict[str, Any], sent: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether an accepted PATCH left every field it meant to change as it was: the change did
    not persist at all, which is STATUS-004's departure ("the change persists"), not a field
    lost on the way (RT-001)."""
    meant = [name for name, value in sent.items() if not same_value(value, before.get(name))]
    return bool(meant) and all(same_value(before.get(name), after.get(name)) for name in meant)


NOT_PERSISTED = "the accepted PATCH changed nothing at all; judged by STATUS-004"


def accepted_patch(client: TargetClient, path: str, body: dict[str, Any]) -> None:
    """PATCH `body`; a refusal leaves the rule nothing to inspect (it judges accepted writes)."""
    answer = client.patch(path, json=body)
    require_permission(answer)
    if answer.status_code not in OK:
        raise NotVerified(f"the PATCH {sorted(body)} was refused, nothing to read back: "
                          f"{describe(answer)}")  # fmt: skip


def mismatches(sent: dict[str, Any], found: dict[str, Any]) -> list[str]:
    return [
        f"{name}: sent {value!r}, read {found.get(name, '<missing>')!r}"
        for name, value in sent.items()
        if not same_value(value, found.get(name))
    ]


def created_fields(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """What a create must read back: its body, less the fields generated at creation."""
    generated = GENERATED_ON_CREATE.get(kind, frozenset())
    return {k: v for k, v in body.items() if k not in generated}


@pytest.mark.requirement("RT-001")
def test_work_item_fields_round_trip(
    client: TargetClient, scratch: ScratchResources, seed: Seed, units: Units
) -> None:
    """Every writable work-item field sent in a create, then in a PATCH, reads back as sent."""
    sent = body_for(seed, "work_item", 0)
    created = seed.item(sent)
    detail = scratch.project_path(f"work-items/{created['id']}/")
    found = read(client, detail, "the create")
    units.judge("RT-001", "work item create", mismatches(created_fields("work_item", sent), found))
    patch = body_for(seed, "work_item", 1)
    accepted_patch(client, detail, patch)
    after = read(client, detail, "the PATCH")
    if persisted_nothing(found, patch, after):
        units.not_verified("RT-001", "work item PATCH", NOT_PERSISTED)
    else:
        units.judge("RT-001", "work item PATCH", mismatches(patch, after))
    units.conclude()


@pytest.mark.parametrize("kind", ["label", "state", "cycle", "module"])
@pytest.mark.requirement("RT-001")
def test_other_fields_round_trip(
    client: TargetClient, scratch: ScratchResources, seed: Seed, kind: str
) -> None:
    """Every writable field of a label, state, cycle or module create reads back as sent."""
    skip = ("parent",) if kind != "label" else ()
    body = body_for(seed, kind, 0, skip=skip)
    collection = scratch.project_path(COLLECTIONS[kind])
    created = scratch.create(collection, body)
    found = read(client, f"{collection}{created['id']}/", f"the {kind} create")
    problems = mismatches(created_fields(kind, body), found)
    assert not problems, f"{kind}: " + "\n".join(problems)


@pytest.fixture(scope="module")
def patched_item(client: TargetClient, scratch: ScratchResources, seed: Seed) -> dict[str, Any]:
    """A work item with assignees, labels, dates and a description."""
    body = {
        "name": scratch.name("rt-partial"), "assignees": [seed.me], "labels": seed.labels,
        "state": seed.states[0], "description_html": "<p>kept</p>", "priority": "high",
        "start_date": "2031-05-01", "target_date": "2031-05-09", "point": 2,
    }  # fmt: skip
    item = seed.item(body)
    return {"path": scratch.project_path(f"work-items/{item['id']}/")}


@pytest.mark.requirement("RT-002")
def test_patch_changes_only_what_it_names(
    client: TargetClient, patched_item: dict[str, Any]
) -> None:
    """A PATCH of the priority leaves every other field (assignees, labels...) as it was."""
    path = patched_item["path"]
    before = read(client, path, "the create")
    accepted_patch(client, path, {"priority": "low"})
    after = read(client, path, "the PATCH")
    if after.get("priority") != "low":
        raise NotVerified(f"priority not stored ({after.get('priority')!r}): {NOT_PERSISTED}")
    changed = differences(before, after, skip={"priority"})
    assert not changed, "a PATCH of priority also changed:\n" + "\n".join(changed)


@pytest.mark.requirement("RT-003")
def test_same_patch_twice_gives_same_state(
    client: TargetClient, patched_item: dict[str, Any]
) -> None:
    """Sending the same PATCH twice leaves the state the first one left."""
    path, body = patched_item["path"], {"priority": "medium", "target_date": "2031-05-30"}
    states = []
    for _ in range(2):
        accepted_patch(client, path, body)
        states.append(read(client, path, "the PATCH"))
    changed = differences(states[0], states[1], skip=set())
    assert not changed, "the repeated PATCH changed:\n" + "\n".join(changed)


@pytest.mark.requirement("RT-004")
def test_empty_labels_clear_them(
    client: TargetClient, scratch: ScratchResources, seed: Seed
) -> None:
    """PATCH labels: [] leaves the work item without labels."""
    item = seed.item({"name": scratch.name("rt-clear"), "labels": seed.labels})
    path = scratch.project_path(f"work-items/{item['id']}/")
    accepted_patch(client, path, {"labels": []})
    labels = read(client, path, "the PATCH").get("labels")
    if labels != []:
        persists_at_all(client, path)
    assert labels == [], f"after PATCH labels: [], the work item still has labels {labels!r}"


def persists_at_all(client: TargetClient, path: str) -> None:
    """A control PATCH of a plain field: when it does not persist either, no PATCH does, and
    that is STATUS-004's departure, not this check's."""
    before = read(client, path, "the PATCH")
    control = {"priority": "urgent" if before.get("priority") != "urgent" else "low"}
    accepted_patch(client, path, control)
    if persisted_nothing(before, control, read(client, path, "the control PATCH")):
        raise NotVerified(NOT_PERSISTED)


@pytest.mark.requirement("RT-005")
def test_unknown_references_are_refused(
    client: TargetClient, scratch: ScratchResources, seed: Seed
) -> None:
    """Unknown label, state and assignee ids are refused with 400, not dropped."""
    item = seed.item({"name": scratch.name("rt-refs"), "labels": [seed.labels[0]]})
    path = scratch.project_path(f"work-items/{item['id']}/")
    stranger = str(uuid.uuid4())
    problems = []
    for body in ({"labels": [seed.labels[0], stranger]}, {"state": stranger},
                 {"assignees": [stranger]}):  # fmt: skip
        answer = client.patch(path, json=body)
        require_permission(answer)
        if answer.status_code != 400:
            problems.append(f"PATCH {body} answered {answer.status_code}, expected 400")
    assert not problems, "\n".join(problems)

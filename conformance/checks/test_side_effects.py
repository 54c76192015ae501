"""Errors without side effects: a refused create stores nothing, a refused PATCH changes
nothing, and a corrected retry never duplicates (SIDE-001..003)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conformance.checks._integrator import OK, describe, differences, json_of, walk_all
from conformance.outcomes import NotSelected, NotVerified
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

REVERSED_DATES = {"start_date": "2031-02-01", "target_date": "2031-01-01"}


@pytest.fixture(scope="module")
def items_path(target: TargetConfig, scratch: ScratchResources) -> str:
    if target.read_only:
        raise NotSelected("read-only mode: these checks send writes")
    return str(scratch.project_path("work-items/"))


def snapshot(client: TargetClient, path: str) -> tuple[set[str], Any]:
    items, answers = walk_all(client, path)
    assert answers[-1].status_code == 200, describe(answers[-1])
    return {str(i.get("id")) for i in items}, json_of(answers[0]).get("total_results")


def refused_create(scratch: ScratchResources, path: str, body: dict[str, Any]) -> str | None:
    """POST a create that must be refused; None when it was, else why it could not be used."""
    response = scratch.post(path, body)  # anything created is registered for deletion
    if 400 <= response.status_code < 500:
        return None
    return f"{describe(response)} (not refused, so it proves nothing here)"


@pytest.mark.requirement("SIDE-001")
def test_refused_create_stores_nothing(
    client: TargetClient, scratch: ScratchResources, items_path: str
) -> None:
    """After creates answered with 4xx, the work-item list holds the same items and total."""
    ids, total = snapshot(client, items_path)
    bodies = [
        {"name": scratch.name("side"), **REVERSED_DATES},
        {"name": scratch.name("side"), "priority": "sometimes"},
        {"name": scratch.name("side"), "state": str(uuid.uuid4())},
    ]
    unused = [why for why in (refused_create(scratch, items_path, b) for b in bodies) if why]
    if len(unused) == len(bodies):
        raise NotVerified("no invalid create was refused: " + "; ".join(unused))
    after_ids, after_total = snapshot(client, items_path)
    new = sorted(after_ids - ids)
    assert not new and after_total == total, (
        f"after refused creates the list gained {new} (total_results {total} -> {after_total})"
    )


@pytest.mark.requirement("SIDE-002")
def test_refused_patch_changes_nothing(
    client: TargetClient, scratch: ScratchResources, items_path: str
) -> None:
    """A PATCH answered with 4xx leaves the work item as it was."""
    item = scratch.create(
        items_path, {"name": scratch.name("side"), "start_date": "2031-01-10",
                     "target_date": "2031-01-20", "priority": "high"},
    )  # fmt: skip
    path = f"{items_path}{item['id']}/"
    before = json_of(client.get(path))
    problems = []
    for body in (
        {"name": scratch.name("side-renamed"), "start_date": "2031-02-01"},
        {"name": scratch.name("side-renamed"), "priority": "sometimes"},
    ):
        answer = client.patch(path, json=body)
        if not 400 <= answer.status_code < 500:
            problems.append(f"(not refused, proves nothing) {describe(answer)}")
            continue
        changed = differences(before, json_of(client.get(path)), skip=set())
        if changed:
            problems.append(f"PATCH {body} answered {answer.status_code} but changed {changed}")
    if all(p.startswith("(not refused") for p in problems) and problems:
        raise NotVerified("; ".join(problems))
    assert not [p for p in problems if not p.startswith("(not refused")], "\n".join(problems)


@pytest.mark.requirement("SIDE-003")
def test_corrected_retry_creates_one_object(
    client: TargetClient, scratch: ScratchResources, items_path: str
) -> None:
    """A refused create retried with a corrected body leaves exactly one item of that name."""
    name = scratch.name("side-retry")
    why = refused_create(scratch, items_path, {"name": name, **REVERSED_DATES})
    if why:
        raise NotVerified(why)
    retried = scratch.post(items_path, {"name": name, "start_date": "2031-01-01"})
    assert retried.status_code in OK, describe(retried)
    items, _ = walk_all(client, items_path)
    named = [i.get("id") for i in items if i.get("name") == name]
    assert len(named) == 1, (
        f"after a refused create and its retry, {len(named)} items are named {name}"
    )

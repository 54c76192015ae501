"""Errors without side effects: a refused create stores nothing, a refused PATCH changes
nothing, and a corrected retry never duplicates (SIDE-001..003).

A probe the target accepts is no unit of these rules (they speak of requests answered with a
4xx): it proves nothing here, and what it created is the suite's to clean up, never counted as a
side effect of another probe. Each refused probe is judged on its own: a create by the items
named as it was (so another client's items in the project are never blamed on it), a PATCH
against the item as it read right before that PATCH.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from conformance.checks._integrator import (
    describe,
    differences,
    fetch,
    json_of,
    judged_elsewhere,
    walk_all,
)
from conformance.outcomes import NotSelected, NotVerified, Units
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

REVERSED_DATES = {"start_date": "2031-02-01", "target_date": "2031-01-01"}


@pytest.fixture(scope="module")
def items_path(target: TargetConfig, scratch: ScratchResources) -> str:
    if target.read_only:
        raise NotSelected("read-only mode: these checks send writes")
    return str(scratch.project_path("work-items/"))


def refused(response: httpx.Response) -> bool:
    return 400 <= response.status_code < 500


def names_listed(client: TargetClient, path: str) -> dict[str, list[str]]:
    """Every work item of the list, by name -> ids."""
    items, answers = walk_all(client, path, max_pages=50)
    if answers[-1].status_code != 200:
        why = judged_elsewhere(answers[-1]) or describe(answers[-1])
        raise NotVerified(f"the work-item list is not readable: {why}")
    listed: dict[str, list[str]] = {}
    for item in items:
        listed.setdefault(str(item.get("name")), []).append(str(item.get("id")))
    return listed


@pytest.mark.requirement("SIDE-001")
def test_refused_create_stores_nothing(
    client: TargetClient, scratch: ScratchResources, items_path: str, units: Units
) -> None:
    """After creates answered with 4xx, no item of their names is in the work-item list."""
    probes = {
        "reversed dates": {"name": scratch.name("side"), **REVERSED_DATES},
        "invalid priority": {"name": scratch.name("side"), "priority": "sometimes"},
        "unknown state": {"name": scratch.name("side"), "state": str(uuid.uuid4())},
    }
    refusals = {}
    accepted = []
    for label, body in probes.items():
        response = scratch.post(items_path, body)  # anything created is registered for deletion
        if refused(response):
            refusals[label] = (body["name"], response)
        else:
            accepted.append(f"{label}: {describe(response)}")
    if not refusals:
        raise NotVerified("no invalid create was refused, so none can be inspected: "
                          + "; ".join(accepted))  # fmt: skip
    listed = names_listed(client, items_path)
    for label, (name, response) in refusals.items():
        stored = listed.get(name, [])
        units.judge(
            "SIDE-001",
            f"create with {label}",
            [f"answered {response.status_code}, yet the list holds {stored}"] if stored else [],
        )
    units.conclude()


@pytest.mark.requirement("SIDE-002")
def test_refused_patch_changes_nothing(
    client: TargetClient, scratch: ScratchResources, items_path: str, units: Units
) -> None:
    """A PATCH answered with 4xx leaves the work item as it read right before that PATCH."""
    item = scratch.create(
        items_path, {"name": scratch.name("side"), "start_date": "2031-01-10",
                     "target_date": "2031-01-20", "priority": "high"},
    )  # fmt: skip
    path = f"{items_path}{item['id']}/"
    probes = {
        "start after target": {"name": scratch.name("side-renamed"), "start_date": "2031-02-01"},
        "invalid priority": {"name": scratch.name("side-renamed"), "priority": "sometimes"},
    }
    accepted = []
    for label, body in probes.items():
        before = read(client, path)  # an accepted earlier PATCH is not this one's doing
        answer = client.patch(path, json=body)
        if not refused(answer):
            accepted.append(f"{label}: {describe(answer)}")
            continue
        changed = differences(before, read(client, path), skip=set())
        units.judge(
            "SIDE-002",
            f"PATCH with {label}",
            [f"answered {answer.status_code} but changed {changed}"] if changed else [],
        )
    if not units.recorded:
        raise NotVerified("no invalid PATCH was refused, so none can be inspected: "
                          + "; ".join(accepted))  # fmt: skip
    units.conclude()


def read(client: TargetClient, path: str) -> dict[str, Any]:
    response = fetch(client, path)
    body = json_of(response)
    if response.status_code != 200 or not isinstance(body, dict):
        raise NotVerified(f"the work item is not readable: {describe(response)}; judged by "
                          "STATUS-003")  # fmt: skip
    return body


# An invalid create and its correction: the retry fixes exactly what made the first one invalid.
RETRIES = (
    ("reversed dates", REVERSED_DATES, {"start_date": "2031-01-01", "target_date": "2031-01-09"}),
    ("invalid priority", {"priority": "sometimes"}, {"priority": "low"}),
)


@pytest.mark.requirement("SIDE-003")
def test_corrected_retry_creates_one_object(
    client: TargetClient, scratch: ScratchResources, items_path: str
) -> None:
    """A refused create retried with a corrected body leaves exactly one item of that name."""
    accepted = []
    for label, invalid, corrected in RETRIES:  # noqa: B007 - the refused probe's correction
        name = scratch.name("side-retry")
        first = scratch.post(items_path, {"name": name, **invalid})
        if refused(first):
            break
        accepted.append(f"{label}: {describe(first)}")
    else:
        raise NotVerified("no invalid create was refused, so none proves anything here: "
                          + "; ".join(accepted))  # fmt: skip
    scratch.create(items_path, {"name": name, **corrected})  # a step: any 2xx with an object
    named = names_listed(client, items_path).get(name, [])
    assert len(named) == 1, (
        f"after a create refused for {label} and its corrected retry, {len(named)} items are "
        f"named {name}: {named}"
    )

"""A 404 for what does not exist (API introduction, "Status Codes"): an unknown id at every level
of every documented path (STATUS-006), and an unknown route (STATUS-007).

Split from test_status.py (the create/read/update/delete round) to keep each module readable;
the unknown ids are judged on the documented GETs, with real objects seeded for the levels above.
"""

from __future__ import annotations

import random

import pytest

from conformance.checks._documented import DocumentedGet, Unrouted, documented_gets, path_ids
from conformance.checks._seeded import Seeded
from conformance.checks.test_status import _random_uuid
from conformance.outcomes import Blocked, Outcome, Units
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

# -- an unknown id, at every level of every documented path ------------------------------------

UNKNOWN_IDENTIFIER = {"project_identifier": "PLCNONE", "issue_identifier": "999999"}


def unknown_value(name: str, rng: random.Random) -> str:
    """An id no object has: a random UUID (an identifier no project has, a sequence too high)."""
    return UNKNOWN_IDENTIFIER.get(name) or _random_uuid(rng)


def level_units(profile: str) -> list[tuple[DocumentedGet, str, str]]:
    """(operation, the id made unknown, why it is not selected or "") for every documented GET
    with a path id and every id of its path (an unknown project included). The quick profile
    probes each core operation's own object (its last id) only."""
    found = []
    for get in documented_gets():
        ids = path_ids(get.path)
        for name in ids:
            why = ""
            if profile == "quick" and not get.core:
                why = "quick profile: the commercial-edition operations are probed in standard"
            elif profile == "quick" and name != ids[-1]:
                why = "quick profile: the unknown id of each operation's own object only"
            found.append((get, name, why))
    return found


@pytest.fixture(scope="module")
def seeded(
    client: TargetClient, scratch: ScratchResources, target: TargetConfig, me: str
) -> Seeded:
    return Seeded(client, scratch, target, me)


@pytest.mark.requirement("STATUS-006")
def test_unknown_id_at_every_level_answers_404(
    client: TargetClient,
    target: TargetConfig,
    seeded: Seeded,
    rng: random.Random,
    units: Units,
) -> None:
    """A GET whose path names an id no object has answers 404, at every level of the path: one
    unit per documented GET and path id, every other id a real object's (so that a server that
    skips a level, serving a comment of another work item or the labels of no project, shows).
    An operation the target does not serve is CAP-001's (core) or not applicable (commercial);
    a 401/403 that the real objects get too is the key's refusal (blocked), not the answer."""
    unrouted, controls = Unrouted(client), Controls(client, seeded)
    absent: dict[str, str] = {}  # commercial operations the target does not serve
    for get, name, not_selected in level_units(target.profile):
        unit = f"{get.label}: unknown {name}"
        if not_selected:
            units.not_selected("STATUS-006", unit, not_selected)
            continue
        if get.path in absent:
            units.not_applicable("STATUS-006", unit, absent[get.path])
            continue
        if not get.core and not unrouted.tells_absent:
            why = "a URL the target surely does not route is not answered 404 (STATUS-007's)"
            units.not_verified("STATUS-006", unit, f"whether it serves this operation: {why}")
            continue
        try:
            path = seeded.path(get.path, {name: unknown_value(name, rng)})
        except Outcome as outcome:
            if get.core or not _absent(client, seeded, unrouted, get, absent):
                units.left("STATUS-006", unit, outcome)
            else:
                units.not_applicable("STATUS-006", unit, absent[get.path])
            continue
        response = client.get(path, owner=("STATUS-006",))
        if unrouted.like(response):
            where = f"GET {path} answered {response.status_code} like a URL it does not route"
            if get.core:
                units.not_verified("STATUS-006", unit, f"{where} (judged by CAP-001)")
            else:
                absent[get.path] = f"{where}: not served here"
                units.not_applicable("STATUS-006", unit, absent[get.path])
            continue
        if response.status_code in (401, 403):
            refused = controls.refused(get)
            if refused is not None:  # the key may not read this operation at all
                units.left("STATUS-006", unit, refused)
                continue
        problems = (
            []
            if response.status_code == 404
            else [f"GET {path} answered {response.status_code}: {response.text[:160]}"]
        )
        units.judge("STATUS-006", unit, problems)
    units.conclude()


class Controls:
    """Whether the key may read an operation at all, asked (once per operation) only when an
    unknown id was refused with 401/403: a refusal the real objects get too is the key's (a
    guest, a member of no project), not an answer about the unknown id."""

    def __init__(self, client: TargetClient, seeded: Seeded) -> None:
        self.client, self.seeded = client, seeded
        self._seen: dict[str, Outcome | None] = {}

    def refused(self, get: DocumentedGet) -> Outcome | None:
        if get.path not in self._seen:
            self._seen[get.path] = self._ask(get)
        return self._seen[get.path]

    def _ask(self, get: DocumentedGet) -> Outcome | None:
        try:
            path = self.seeded.path(get.path)
        except Outcome as outcome:
            return outcome
        response = self.client.get(path)
        if response.status_code in (401, 403):
            return Blocked(f"the key may not read it: GET {path} answered "
                           f"{response.status_code}: {response.text[:160]}")  # fmt: skip
        return None


def _absent(
    client: TargetClient,
    seeded: Seeded,
    unrouted: Unrouted,
    get: DocumentedGet,
    absent: dict[str, str],
) -> bool:
    """Whether a commercial-edition operation is not served here (one GET with random ids)."""
    try:
        response = client.get(seeded.probe_path(get.path), owner=("STATUS-006",))
    except Outcome:
        return False
    if not unrouted.like(response):
        return False
    absent[get.path] = (
        f"GET {response.request.url.path} answered {response.status_code} like a URL it does "
        "not route: not served here"
    )
    return True


@pytest.mark.requirement("STATUS-007")
@pytest.mark.parametrize("suffix", ["/api/v1/plc-no-such-route/", "ws:plc-no-such-collection/"])
def test_unknown_route_answers_404(client: TargetClient, suffix: str) -> None:
    """A URL the API does not know answers 404."""
    path = client.ws(suffix.removeprefix("ws:")) if suffix.startswith("ws:") else suffix
    response = client.get(path, owner=("STATUS-007",))
    assert response.status_code == 404, f"GET {path} answered {response.status_code}"

"""The reference server answers in the shapes each real Plane release was recorded answering.

The same recorder scenario as for real Plane runs against the embedded reference server:

- with `--plane-VERSION`, for every release with a committed recording
  (specs/observed/plane-vVERSION.shapes.json): every recorded operation must match, with no
  drift at all, and the operations the release does not serve must be the same;
- with the server's default behaviours, against Plane v1.3.1's recording: the only drifts
  allowed are the listed differences where the reference follows the docs rather than Plane
  (DOCS_OVER_PLANE, each tied to the behaviour that gives Plane's way, explained in
  docs/reference-vs-plane.md). A listed difference that no longer shows is an error too, so the
  list stays true.

Each operation of a committed recording is one test per mode, listing its drifts one line each
("GET /api/v1/... 200  $.results[].logo_props: field disappeared (was object)"). Operations a
release does not serve (the file's `not_recorded` says which) are not compared: the default
reference serves a superset on purpose.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from conformance.reference.behaviours import (
    DEFAULT_BEHAVIOURS,
    RELEASES,
    all_behaviours,
    is_followed,
    release_group,
)
from conformance.reference.launcher import start_reference_server
from conformance.shapes.files import ShapesFile, default_path, load
from conformance.shapes.model import Drift, Recording, compare_recordings
from conformance.shapes.recorder import RecorderResult, ShapeRecorder
from conformance.target.client import TargetClient

RECORDED = tuple(release for release in RELEASES if default_path(release).is_file())
FILES: dict[str, ShapesFile] = {release: load(default_path(release)) for release in RECORDED}
COMMITTED: ShapesFile = FILES["1.3.1"]


def _operations(file: ShapesFile) -> list[tuple[str, str]]:
    return sorted(
        {key[:2] for key in file.recording} - file.not_served, key=lambda op: (op[1], op[0])
    )


OPERATIONS = _operations(COMMITTED)

WS = "/api/v1/workspaces/{workspace_slug}"
PROJECT = WS + "/projects/{project_id}"
SPELLINGS = ("work-items", "issues")


@dataclass(frozen=True)
class Difference:
    """Drifts the default reference shows on purpose: on these operations, at nodes starting
    with one of `nodes` ("$" alone: the status or the whole body), because it follows the docs
    where Plane does not; `behaviour` gives Plane's way."""

    behaviour: str
    operations: frozenset[tuple[str, str]]
    nodes: tuple[str, ...]

    def covers(self, drift: Drift) -> bool:
        method, path = drift.where.split(" ")[:2]
        if (method, path) not in self.operations:
            return False
        return any(drift.path == node or drift.path.startswith(node) for node in self.nodes)


def _ops(*pairs: tuple[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(pairs)


DOCS_OVER_PLANE = (
    Difference(
        "state-create-200",
        _ops(("POST", PROJECT + "/states/")),
        ("$",),
    ),
    Difference(
        "intake-issue-is-an-id",
        _ops(
            ("GET", PROJECT + "/intake-issues/"),
            ("POST", PROJECT + "/intake-issues/"),
            ("GET", PROJECT + "/intake-issues/{work_item_id}/"),
            ("PATCH", PROJECT + "/intake-issues/{work_item_id}/"),
        ),
        ("$.issue", "$.results[].issue"),
    ),
    Difference(
        "activity-detail-object",
        _ops(
            *(
                ("GET", PROJECT + f"/{kind}/{{work_item_id}}/activities/{{resource_id}}/")
                for kind in SPELLINGS
            )
        ),
        ("$",),
    ),
    Difference(
        "link-title-unfetched",
        _ops(
            *(
                (method, PROJECT + f"/{kind}/{{work_item_id}}/links/{tail}")
                for kind in SPELLINGS
                for method, tail in (
                    ("GET", ""),
                    ("GET", "{resource_id}/"),
                    ("PATCH", "{resource_id}/"),
                )
            )
        ),
        ("$.metadata.title", "$.results[].metadata.title"),
    ),
    Difference(
        "unknown-project-write-403",
        _ops(
            ("PATCH", WS + "/projects/{resource_id}/"), ("DELETE", WS + "/projects/{resource_id}/")
        ),
        ("$",),
    ),
    Difference(
        "sticky-colours-null",
        _ops(
            ("GET", WS + "/stickies/"),
            ("POST", WS + "/stickies/"),
            ("GET", WS + "/stickies/{resource_id}/"),
            ("PATCH", WS + "/stickies/{resource_id}/"),
        ),
        tuple(
            f"{where}.{name}"
            for where in ("$", "$.results[]")
            for name in ("color", "background_color")
        ),
    ),
)


def _expected_by_default() -> tuple[Difference, ...]:
    """The listed differences the server's default does not already follow Plane in."""
    behaviours = all_behaviours()
    return tuple(
        difference
        for difference in DOCS_OVER_PLANE
        if not is_followed(behaviours[difference.behaviour], DEFAULT_BEHAVIOURS)
    )


def _run(behaviours: tuple[str, ...] | None) -> RecorderResult:
    with (
        start_reference_server(stderr=subprocess.DEVNULL, behaviours=behaviours) as server,
        TargetClient(server.base_url, server.api_key, server.workspace) as client,
    ):
        result = ShapeRecorder(client).run()
    assert not result.abandoned, "\n".join(result.abandoned)
    return result


@functools.cache
def _as_release(release: str) -> RecorderResult:
    """The stand-in recorded with `--plane-RELEASE` (once per release and process)."""
    return _run((release_group(release),))


@pytest.fixture(scope="module")
def by_default() -> Iterator[Recording]:
    yield _run(None).recording


def _drifts(observed: Recording, op: tuple[str, str]) -> list[Drift]:
    return compare_recordings(COMMITTED.recording, observed, {op}, sample=True)


def _param(op: tuple[str, str]) -> object:
    return pytest.param(op, id=f"{op[0]} {op[1]}")


@pytest.mark.parametrize(
    ("release", "op"),
    [
        pytest.param(release, op, id=f"{release} {op[0]} {op[1]}")
        for release in RECORDED
        for op in _operations(FILES[release])
    ],
)
def test_release_mode_has_the_release_shapes(release: str, op: tuple[str, str]) -> None:
    drifts = compare_recordings(
        FILES[release].recording, _as_release(release).recording, {op}, sample=True
    )
    assert not drifts, "\n".join(str(drift) for drift in drifts)


@pytest.mark.parametrize("release", RECORDED)
def test_release_mode_serves_what_the_release_serves(release: str) -> None:
    """What the release does not serve (404 for valid ids) the stand-in does not serve either,
    and nothing else is missing from its recording."""
    committed = FILES[release].not_recorded
    observed = _as_release(release).not_recorded
    differing = sorted(set(committed.items()) ^ set(observed.items()))
    assert not differing, "\n".join(
        f"{key}: {'release' if (key, why) in committed.items() else 'stand-in'}: {why}"
        for key, why in differing
    )


@pytest.mark.parametrize("op", [_param(op) for op in OPERATIONS])
def test_default_differs_only_where_listed(by_default: Recording, op: tuple[str, str]) -> None:
    expected = _expected_by_default()
    unlisted = [d for d in _drifts(by_default, op) if not any(e.covers(d) for e in expected)]
    assert not unlisted, "\n".join(str(drift) for drift in unlisted)


def test_every_listed_difference_still_shows(by_default: Recording) -> None:
    drifts = compare_recordings(COMMITTED.recording, by_default, OPERATIONS, sample=True)
    stale = [
        f"{difference.behaviour}: {method} {path}"
        for difference in _expected_by_default()
        for method, path in sorted(difference.operations)
        if not any(difference.covers(d) and d.where.startswith(f"{method} {path} ") for d in drifts)
    ]
    assert not stale, "listed differences the default no longer shows:\n" + "\n".join(stale)


def test_listed_differences_name_behaviours() -> None:
    behaviours = all_behaviours()
    for difference in DOCS_OVER_PLANE:
        assert difference.behaviour in behaviours, difference.behaviour
        assert difference.operations <= set(OPERATIONS), difference.behaviour


@pytest.mark.parametrize("release", RECORDED)
def test_every_recorded_operation_is_compared(release: str) -> None:
    file = FILES[release]
    assert len(_operations(file)) == file.header["operations"]
    assert file.header["server_version"] == release

"""The reference server answers in the shapes real Plane v1.3.1 was recorded answering.

The same recorder scenario as for real Plane runs once against the embedded reference server;
each operation of the committed recording is one test that lists its drifts, one line each
("GET /api/v1/... 200  $.results[].logo_props: field disappeared (was object)").

Operations Plane does not serve (the file's `not_recorded` says which) are not compared: the
reference server serves a superset on purpose. KNOWN_DRIFT lists the operations whose shapes are
not aligned yet: strict xfails, so an operation that gets fixed must leave the list.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from conformance.reference.launcher import start_reference_server
from conformance.shapes.files import ShapesFile, load
from conformance.shapes.model import Recording, compare_recordings
from conformance.shapes.recorder import ShapeRecorder
from conformance.target.client import TargetClient

COMMITTED: ShapesFile = load()
OPERATIONS = sorted(
    {key[:2] for key in COMMITTED.recording} - COMMITTED.not_served,
    key=lambda op: (op[1], op[0]),
)
PENDING = "issue 15: reference server shapes not yet aligned"

WS = "/api/v1/workspaces/{workspace_slug}"
PROJECT = WS + "/projects/{project_id}"
# (method, path) whose shapes differ from Plane's today; remove an entry when it is aligned.
KNOWN_DRIFT: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/api/v1/assets/user-assets/"),
        ("POST", WS + "/assets/"),
        ("GET", WS + "/invitations/"),
        ("POST", WS + "/invitations/"),
        ("GET", WS + "/invitations/{invitation_id}/"),
        ("PATCH", WS + "/invitations/{invitation_id}/"),
        ("GET", WS + "/issues/search/"),
        ("GET", WS + "/issues/{project_identifier}-{issue_identifier}/"),
        ("GET", WS + "/projects/"),
        ("POST", WS + "/projects/"),
        ("GET", PROJECT + "/archived-cycles/"),
        ("GET", PROJECT + "/archived-modules/"),
        ("GET", PROJECT + "/cycles/"),
        ("POST", PROJECT + "/cycles/"),
        ("GET", PROJECT + "/cycles/{cycle_id}/cycle-issues/"),
        ("POST", PROJECT + "/cycles/{cycle_id}/cycle-issues/"),
        ("POST", PROJECT + "/cycles/{cycle_id}/transfer-issues/"),
        ("GET", PROJECT + "/cycles/{resource_id}/"),
        ("PATCH", PROJECT + "/cycles/{resource_id}/"),
        ("GET", PROJECT + "/intake-issues/"),
        ("POST", PROJECT + "/intake-issues/"),
        ("GET", PROJECT + "/intake-issues/{work_item_id}/"),
        ("PATCH", PROJECT + "/intake-issues/{work_item_id}/"),
        ("GET", PROJECT + "/issues/"),
        ("POST", PROJECT + "/issues/"),
        ("GET", PROJECT + "/issues/{resource_id}/"),
        ("PATCH", PROJECT + "/issues/{resource_id}/"),
        ("GET", PROJECT + "/issues/{work_item_id}/activities/"),
        ("GET", PROJECT + "/issues/{work_item_id}/activities/{resource_id}/"),
        ("GET", PROJECT + "/issues/{work_item_id}/comments/"),
        ("POST", PROJECT + "/issues/{work_item_id}/comments/"),
        ("GET", PROJECT + "/issues/{work_item_id}/comments/{resource_id}/"),
        ("PATCH", PROJECT + "/issues/{work_item_id}/comments/{resource_id}/"),
        ("POST", PROJECT + "/issues/{work_item_id}/issue-attachments/"),
        ("GET", PROJECT + "/issues/{work_item_id}/links/"),
        ("POST", PROJECT + "/issues/{work_item_id}/links/"),
        ("GET", PROJECT + "/issues/{work_item_id}/links/{resource_id}/"),
        ("PATCH", PROJECT + "/issues/{work_item_id}/links/{resource_id}/"),
        ("GET", PROJECT + "/labels/"),
        ("POST", PROJECT + "/labels/"),
        ("GET", PROJECT + "/labels/{label_id}/"),
        ("PATCH", PROJECT + "/labels/{label_id}/"),
        ("GET", PROJECT + "/modules/"),
        ("POST", PROJECT + "/modules/"),
        ("GET", PROJECT + "/modules/{module_id}/module-issues/"),
        ("POST", PROJECT + "/modules/{module_id}/module-issues/"),
        ("GET", PROJECT + "/modules/{resource_id}/"),
        ("PATCH", PROJECT + "/modules/{resource_id}/"),
        ("POST", PROJECT + "/modules/{resource_id}/archive/"),
        ("GET", PROJECT + "/project-members/"),
        ("POST", PROJECT + "/project-members/"),
        ("GET", PROJECT + "/project-members/{member_id}/"),
        ("PATCH", PROJECT + "/project-members/{member_id}/"),
        ("GET", PROJECT + "/states/"),
        ("POST", PROJECT + "/states/"),
        ("GET", PROJECT + "/states/{state_id}/"),
        ("PATCH", PROJECT + "/states/{state_id}/"),
        ("GET", PROJECT + "/work-items/"),
        ("POST", PROJECT + "/work-items/"),
        ("GET", PROJECT + "/work-items/{resource_id}/"),
        ("PATCH", PROJECT + "/work-items/{resource_id}/"),
        ("GET", PROJECT + "/work-items/{work_item_id}/activities/"),
        ("GET", PROJECT + "/work-items/{work_item_id}/activities/{resource_id}/"),
        ("POST", PROJECT + "/work-items/{work_item_id}/attachments/"),
        ("GET", PROJECT + "/work-items/{work_item_id}/comments/"),
        ("POST", PROJECT + "/work-items/{work_item_id}/comments/"),
        ("GET", PROJECT + "/work-items/{work_item_id}/comments/{resource_id}/"),
        ("PATCH", PROJECT + "/work-items/{work_item_id}/comments/{resource_id}/"),
        ("GET", PROJECT + "/work-items/{work_item_id}/links/"),
        ("POST", PROJECT + "/work-items/{work_item_id}/links/"),
        ("GET", PROJECT + "/work-items/{work_item_id}/links/{resource_id}/"),
        ("PATCH", PROJECT + "/work-items/{work_item_id}/links/{resource_id}/"),
        ("GET", PROJECT + "/work-items/{work_item_id}/relations/"),
        ("POST", PROJECT + "/work-items/{work_item_id}/relations/"),
        ("DELETE", WS + "/projects/{resource_id}/"),
        ("GET", WS + "/projects/{resource_id}/"),
        ("PATCH", WS + "/projects/{resource_id}/"),
        ("GET", WS + "/stickies/"),
        ("POST", WS + "/stickies/"),
        ("DELETE", WS + "/stickies/{resource_id}/"),
        ("GET", WS + "/stickies/{resource_id}/"),
        ("PATCH", WS + "/stickies/{resource_id}/"),
        ("GET", WS + "/work-items/search/"),
        ("GET", WS + "/work-items/{project_identifier}-{issue_identifier}/"),
    }
)


@pytest.fixture(scope="module")
def observed() -> Iterator[Recording]:
    with (
        start_reference_server(stderr=subprocess.DEVNULL) as server,
        TargetClient(server.base_url, server.api_key, server.workspace) as client,
    ):
        result = ShapeRecorder(client).run()
    assert not result.abandoned, "\n".join(result.abandoned)
    yield result.recording


def _param(op: tuple[str, str]) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=PENDING)] if op in KNOWN_DRIFT else []
    return pytest.param(op, id=f"{op[0]} {op[1]}", marks=marks)


@pytest.mark.parametrize("op", [_param(op) for op in OPERATIONS])
def test_operation_has_plane_shapes(observed: Recording, op: tuple[str, str]) -> None:
    drifts = compare_recordings(COMMITTED.recording, observed, {op})
    assert not drifts, "\n".join(str(drift) for drift in drifts)


def test_every_recorded_operation_is_compared() -> None:
    assert len(OPERATIONS) == COMMITTED.header["operations"]

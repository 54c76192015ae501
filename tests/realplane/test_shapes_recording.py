"""The committed shapes of Plane v1.3.1 are what real Plane answers today: re-record and compare.

The file (specs/observed/plane-v1.3.1.shapes.json) is the oracle of the reference server's shape
test; if Plane's answers and the file part ways, the file is re-recorded (one command, in the
failure message) and the diff reviewed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.shapes.files import default_path, load
from conformance.shapes.model import compare_recordings
from conformance.shapes.recorder import RecorderResult, record, server_version
from conformance.target.client import TargetClient, client_for
from conformance.target.config import resolve_config
from tests.realplane.conftest import RealPlane

VERSION = "1.3.1"


@pytest.fixture(scope="module")
def client(real_plane: RealPlane) -> Iterator[TargetClient]:
    config = resolve_config(
        base_url=real_plane.base_url,
        api_key=real_plane.api_key,
        workspace=real_plane.workspace,
        env={},
    )
    with client_for(config, read_only=False) as target:
        yield target


@pytest.fixture(scope="module")
def recorded(client: TargetClient) -> RecorderResult:
    version = server_version(client)
    if version != VERSION:
        pytest.skip(f"the target runs Plane {version}; the committed recording is of {VERSION}")
    return record(client)


def _rerecord_hint(client: TargetClient) -> str:
    return (
        "if Plane's answers are right, re-record and review the diff:\n"
        f"  PLANE_API_KEY=... python -m conformance.shapes record --target {client.base_url} "
        f"--workspace {client.workspace} --out {default_path(VERSION)}"
    )


def test_recording_covers_every_operation_it_can(recorded: RecorderResult) -> None:
    assert not recorded.abandoned, "\n".join(recorded.abandoned)
    not_exercised = [k for k, why in recorded.not_recorded.items() if why == "not exercised"]
    assert not not_exercised, "\n".join(not_exercised)


def test_committed_shapes_match_real_plane(recorded: RecorderResult, client: TargetClient) -> None:
    committed = load(default_path(VERSION))
    drifts = compare_recordings(committed.recording, recorded.recording)
    lines = [str(drift) for drift in drifts]
    if committed.not_recorded.keys() != recorded.not_recorded.keys():
        lines.append(
            "not recorded, committed vs now: "
            f"{sorted(committed.not_recorded.keys() ^ recorded.not_recorded.keys())}"
        )
    assert not lines, "\n".join([*lines, _rerecord_hint(client)])

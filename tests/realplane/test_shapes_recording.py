"""Per release the lane has: the committed shapes are what real Plane answers today, and the
stand-in (`--plane-VERSION`) answers in exactly those shapes.

The files (specs/observed/plane-vVERSION.shapes.json) are the oracle of the reference server's
shape test; if Plane's answers and a file part ways, the file is re-recorded (one command, in the
failure message) and the diff reviewed. Then the same scenario runs against the reference server
with that release's behaviours, and every operation and status of the fresh recording must come
back the same (statuses, field names, types, nullability), as must what the release does not
serve.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from conformance.reference.launcher import start_reference_server
from conformance.shapes.command import compared
from conformance.shapes.files import ShapesFile, default_path, load
from conformance.shapes.model import compare_recordings, merge
from conformance.shapes.recorder import RecorderResult, record
from conformance.target.client import TargetClient, client_for
from conformance.target.config import resolve_config
from tests.realplane.conftest import RealPlane


@pytest.fixture(scope="module")
def client(each_plane: RealPlane) -> Iterator[TargetClient]:
    config = resolve_config(
        base_url=each_plane.base_url,
        api_key=each_plane.api_key,
        workspace=each_plane.workspace,
        env={},
    )
    with client_for(config, read_only=False) as target:
        yield target


@pytest.fixture(scope="module")
def recorded(client: TargetClient) -> RecorderResult:
    return record(client)


@pytest.fixture(scope="module")
def stand_in(each_plane: RealPlane) -> RecorderResult:
    """The reference server with the release's behaviours, recorded with the same scenario."""
    behaviours = (f"plane-{each_plane.version}",)
    with (
        start_reference_server(stderr=subprocess.DEVNULL, behaviours=behaviours) as server,
        TargetClient(server.base_url, server.api_key, server.workspace) as target,
    ):
        return record(target)


def _rerecord_hint(client: TargetClient, release: str) -> str:
    return (
        "if Plane's answers are right, re-record and review the diff:\n"
        f"  PLANE_API_KEY=... python -m conformance.shapes record --target {client.base_url} "
        f"--workspace {client.workspace} --server-version {release} "
        f"--out {default_path(release)}"
    )


def test_recording_covers_every_operation_it_can(recorded: RecorderResult) -> None:
    assert not recorded.abandoned, "\n".join(recorded.abandoned)
    not_exercised = [k for k, why in recorded.not_recorded.items() if why == "not exercised"]
    assert not not_exercised, "\n".join(not_exercised)


def test_committed_shapes_match_real_plane(
    recorded: RecorderResult, client: TargetClient, each_plane: RealPlane
) -> None:
    committed = load(default_path(each_plane.version))
    drifts = compare_recordings(committed.recording, recorded.recording, sample=True)
    lines = [str(drift) for drift in drifts]
    if committed.not_recorded.keys() != recorded.not_recorded.keys():
        lines.append(
            "not recorded, committed vs now: "
            f"{sorted(committed.not_recorded.keys() ^ recorded.not_recorded.keys())}"
        )
    assert not lines, "\n".join([*lines, _rerecord_hint(client, each_plane.version)])


def test_stand_in_answers_in_the_release_shapes(
    recorded: RecorderResult, stand_in: RecorderResult, each_plane: RealPlane
) -> None:
    """The differential: every operation the release serves, real vs `--plane-VERSION`."""
    # What Plane answers is every body seen of it: this run's, with the committed recording's
    # (a field a background task fills is string or null by timing, recorded as both).
    committed = load(default_path(each_plane.version)).recording
    union = {
        key: merge(committed[key], shape) if key in committed else shape
        for key, shape in recorded.recording.items()
    }
    real = ShapesFile(union, recorded.not_recorded, {})
    lines = [str(drift) for drift in compared(real, stand_in.recording)]
    lines += [f"stand-in abandoned: {line}" for line in stand_in.abandoned]
    lines += [
        f"not recorded ({'real' if (key, why) in recorded.not_recorded.items() else 'stand-in'})"
        f": {key}: {why}"
        for key, why in sorted(
            set(recorded.not_recorded.items()) ^ set(stand_in.not_recorded.items())
        )
    ]
    operations = len({key[:2] for key in recorded.recording})
    assert not lines, (
        f"Plane v{each_plane.version} vs the stand-in: {len(lines)} differences over "
        f"{operations} operations:\n" + "\n".join(lines)
    )

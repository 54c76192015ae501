"""The departure rows (tests/realplane/departures/plane-vVERSION.yaml), replayed per release the
lane has: the real server and the stand-in with that release's behaviours must answer each row
with the same status, body shape, and the values and headers the row names."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator

import pytest

from conformance.reference.behaviours import RELEASES
from conformance.reference.launcher import start_reference_server
from tests.realplane.conftest import RealPlane
from tests.realplane.departure_rows import KeyMissing, Row, Scratch, Server, load_rows

ROWS = [(release, row) for release in RELEASES for row in load_rows(release)]


class Lanes:
    """Per release: the real server's scratch objects and the stand-in's, made once."""

    def __init__(self, real_planes: dict[str, RealPlane]) -> None:
        self.real_planes = real_planes
        self.stack = contextlib.ExitStack()
        self.made: dict[str, tuple[Scratch, Scratch]] = {}

    def pair(self, release: str) -> tuple[Scratch, Scratch]:
        if release not in self.made:
            plane = self.real_planes.get(f"v{release}")
            if plane is None:
                pytest.skip(f"the lane has no Plane v{release}")
            real = Server(
                plane.base_url,
                plane.workspace,
                {"admin": plane.api_key, "member": plane.member_key, "guest": plane.guest_key},
            )
            server = self.stack.enter_context(
                start_reference_server(stderr=subprocess.DEVNULL, behaviours=(f"plane-{release}",))
            )
            stand_in = Server(
                server.base_url,
                server.workspace,
                {"admin": server.api_key, "member": server.member_key, "guest": server.guest_key},
            )
            self.made[release] = (
                self.stack.enter_context(Scratch(real)),
                self.stack.enter_context(Scratch(stand_in)),
            )
        return self.made[release]


@pytest.fixture(scope="module")
def lanes(real_planes: dict[str, RealPlane]) -> Iterator[Lanes]:
    found = Lanes(real_planes)
    with found.stack:
        yield found


@pytest.mark.parametrize(
    ("release", "row"), [pytest.param(r, row, id=f"v{r} {row.id}") for r, row in ROWS]
)
def test_stand_in_answers_the_row_as_the_release(release: str, row: Row, lanes: Lanes) -> None:
    real, stand_in = lanes.pair(release)
    try:
        expected = real.replay(row)
    except KeyMissing as missing:
        pytest.skip(str(missing))  # the lane has no member or guest key for this release
    observed = stand_in.replay(row)
    lines = expected.differences(observed)
    assert not lines, (
        f"Plane v{release} vs the stand-in ({row.behaviour or 'a fixed rule'}), "
        f"{row.method} {row.path}:\n" + "\n".join(lines)
    )

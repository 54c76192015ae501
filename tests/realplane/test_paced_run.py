"""One run at Plane's real limit (60 requests a minute): the suite paces itself from the headers.

The kit's Plane runs with a raised limit for the rest of the lane; this module restarts it at
60/minute (up.sh restarts when the rate changes, a few seconds), runs a slice of the suite that
sends well over one window's worth of requests, and puts the raised limit back. Against a Plane
given through PLANE_BASE_URL it runs at whatever limit that server has.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.realplane.conftest import RealPlane
from tests.realplane.kit import up
from tests.realplane.test_suite_on_real_plane import known_departures, run_suite

AREAS = "auth,status,ratelimit"  # about two windows of requests in the quick profile


@pytest.fixture(scope="module")
def paced_plane(real_plane: RealPlane) -> Iterator[RealPlane]:
    """The default release restarted at 60/minute, and back at the lane's rate afterwards."""
    kit = real_plane.kit  # None for a Plane given through PLANE_BASE_URL: its own limit
    if kit is not None:
        up(kit, rate="60/minute")
    try:
        yield real_plane
    finally:
        if kit is not None:
            up(kit)


def test_paced_run_receives_no_429_and_reports_none(paced_plane: RealPlane, tmp_path: Path) -> None:
    run = run_suite(paced_plane, paced_plane.api_key, tmp_path, "--only", AREAS, profile="quick")
    extra = run.results["extra"]
    assert run.results["requests_sent"] > 60, "the slice must outrun one window to prove pacing"
    assert extra["paced_429s"] == 0, f"{extra['paced_429s']} paced requests were answered 429"
    assert extra["pacer_waited_s"] > 0, "over 60 requests at 60/minute, yet the pacer never waited"
    assert not run.rows("error"), run.explain("error")
    assert run.ids("failed") <= known_departures("failed"), run.explain("failed")
    for row in run.rows("failed", "warned"):
        assert "429" not in row["reason"], f"{row['id']} blames a 429 the suite caused"

"""The real-Plane lane: tests against Plane's own API servers, opt-in with --realplane.

Where the servers come from, in this order:
1. PLANE_BASE_URL + PLANE_API_KEY + PLANE_WORKSPACE_SLUG in the environment: one server, whose
   release is PLANE_RELEASE (default v1.3.1); member and guest keys from PLANE_MEMBER_API_KEY /
   PLANE_GUEST_API_KEY when set;
2. the kit at ../shared/realplane beside the checkout: every release of `tests/realplane/kit.py`
   (or those named in PLANE_LANE_RELEASES, comma-separated) is started by `up.sh`, side by side
   on ports of its own (several minutes the first time, about 2 s when it already runs);
3. neither: the whole lane is skipped, with one line saying why.

Fixtures: `real_plane` is the default release (v1.3.1) or the one server given; `each_plane` is
parametrized over the kit's releases, a test running once per release the lane has.

Keys are secrets even when they are fixed test keys: nothing here prints them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.realplane.kit import (
    BY_NAME,
    DEFAULT_RELEASE,
    KIT,
    RELEASES,
    KitFailure,
    KitRelease,
    parse_exports,
    up_all,
)

__all__ = ["KIT", "RealPlane", "parse_exports", "resolve_real_plane", "resolve_real_planes"]

REPO = Path(__file__).resolve().parents[2]
SKIP_REASON = "real-Plane lane skipped: ../shared/realplane is absent and PLANE_BASE_URL is not set"
REQUIRED = ("PLANE_BASE_URL", "PLANE_API_KEY", "PLANE_WORKSPACE_SLUG")


@dataclass(frozen=True)
class RealPlane:
    base_url: str
    api_key: str = field(repr=False)
    member_key: str | None = field(default=None, repr=False)
    guest_key: str | None = field(default=None, repr=False)
    workspace: str = "conformance"
    release: str = DEFAULT_RELEASE
    kit: KitRelease | None = None  # the kit instance, when the lane started it

    @property
    def version(self) -> str:
        """The release without its "v": "1.3.1"."""
        return self.release.removeprefix("v")


def _from(env: dict[str, str], kit: KitRelease | None = None) -> RealPlane:
    return RealPlane(
        base_url=env["PLANE_BASE_URL"].rstrip("/"),
        api_key=env["PLANE_API_KEY"],
        member_key=env.get("PLANE_MEMBER_API_KEY") or None,
        guest_key=env.get("PLANE_GUEST_API_KEY") or None,
        workspace=env["PLANE_WORKSPACE_SLUG"],
        release=env.get("PLANE_RELEASE") or (kit.release if kit else DEFAULT_RELEASE),
        kit=kit,
    )


def _wanted_releases(env: dict[str, str]) -> list[KitRelease]:
    names = [n.strip() for n in env.get("PLANE_LANE_RELEASES", "").split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        pytest.fail(f"PLANE_LANE_RELEASES names an unknown release {unknown[0]}", False)
    return [BY_NAME[n] for n in names] or list(RELEASES)


def resolve_real_planes(
    env: dict[str, str] | None = None, kit: Path = KIT
) -> dict[str, RealPlane] | None:
    """The servers to test, by release, or None when there is none (the lane is then skipped)."""
    env = dict(os.environ if env is None else env)
    if all(env.get(name) for name in REQUIRED):
        plane = _from(env)
        return {plane.release: plane}
    if not kit.is_file():
        return None
    planes: dict[str, RealPlane] = {}
    wanted = _wanted_releases(env)
    for name, outcome in up_all(wanted).items():
        if isinstance(outcome, KitFailure):
            pytest.fail(f"real-Plane lane: {outcome}", False)
        missing = [n for n in REQUIRED if n not in outcome]
        if missing:
            pytest.fail(f"real-Plane lane: up.sh printed no {', '.join(missing)}", False)
        planes[name] = _from(outcome, BY_NAME[name])
    return planes


def resolve_real_plane(env: dict[str, str] | None = None, kit: Path = KIT) -> RealPlane | None:
    """The one server of the lane's single-release tests: the default release, or the one given."""
    planes = resolve_real_planes(env, kit)
    if not planes:
        return None
    return planes.get(DEFAULT_RELEASE) or next(iter(planes.values()))


@pytest.fixture(scope="session")
def real_planes() -> dict[str, RealPlane]:
    found = resolve_real_planes()
    if not found:
        pytest.skip(SKIP_REASON)
    return found


@pytest.fixture(scope="session")
def real_plane(real_planes: dict[str, RealPlane]) -> RealPlane:
    return real_planes.get(DEFAULT_RELEASE) or next(iter(real_planes.values()))


@pytest.fixture(scope="session", params=[kit.release for kit in RELEASES])
def each_plane(request: pytest.FixtureRequest, real_planes: dict[str, RealPlane]) -> RealPlane:
    """One server per release the lane has (a release it lacks is skipped, saying so)."""
    release = str(request.param)
    if release not in real_planes:
        pytest.skip(f"the lane has no Plane {release} (it has {', '.join(real_planes)})")
    return real_planes[release]

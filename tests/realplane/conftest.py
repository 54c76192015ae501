"""The real-Plane lane: tests against Plane's own API server (v1.3.1), opt-in with --realplane.

Where the server comes from, in this order:
1. PLANE_BASE_URL + PLANE_API_KEY + PLANE_WORKSPACE_SLUG in the environment (member and guest keys
   from PLANE_MEMBER_API_KEY / PLANE_GUEST_API_KEY when set);
2. the kit at ../shared/realplane beside the checkout: `up.sh` starts it (about 2.5 minutes the
   first time, under a second when it already runs) and prints `export` lines, read here;
3. neither: the whole lane is skipped, with one line saying why.

Keys are secrets even when they are fixed test keys: nothing here prints them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.reference.behaviours import RELEASES

REPO = Path(__file__).resolve().parents[2]
KIT = REPO.parent / "shared" / "realplane" / "up.sh"
UP_TIMEOUT_S = 900  # a first start installs a venv and migrates a database
SKIP_REASON = "real-Plane lane skipped: ../shared/realplane is absent and PLANE_BASE_URL is not set"
_EXPORT = re.compile(r"^export ([A-Z_][A-Z0-9_]*)=(.*)$")


DEFAULT_RELEASE = "1.3.1"  # what a server of unknown release (no PLANE_RELEASE) is taken for


@dataclass(frozen=True)
class RealPlane:
    base_url: str
    api_key: str = field(repr=False)
    member_key: str | None = field(default=None, repr=False)
    guest_key: str | None = field(default=None, repr=False)
    workspace: str = "conformance"
    release: str = DEFAULT_RELEASE  # "1.3.1", as up.sh's PLANE_RELEASE without its "v"


def parse_exports(text: str) -> dict[str, str]:
    """NAME=value of every `export NAME=value` line (values may be shell-quoted)."""
    found = {}
    for line in text.splitlines():
        match = _EXPORT.match(line.strip())
        if match:
            value = match.group(2).split(" #")[0].strip()
            found[match.group(1)] = shlex.split(value)[0] if value else ""
    return found


def _from(env: dict[str, str]) -> RealPlane:
    return RealPlane(
        base_url=env["PLANE_BASE_URL"].rstrip("/"),
        api_key=env["PLANE_API_KEY"],
        member_key=env.get("PLANE_MEMBER_API_KEY") or None,
        guest_key=env.get("PLANE_GUEST_API_KEY") or None,
        workspace=env["PLANE_WORKSPACE_SLUG"],
        release=(env.get("PLANE_RELEASE") or DEFAULT_RELEASE).removeprefix("v"),
    )


def _start_kit() -> dict[str, str]:
    directory = os.environ.get("PLANE_REAL_DIR", "/var/tmp/plane-real")
    command = ["bash", str(KIT), "--dir", directory, "--rate", "6000/minute"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=UP_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"real-Plane lane: up.sh did not finish within {UP_TIMEOUT_S} s", False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        pytest.fail(f"real-Plane lane: up.sh failed ({done.returncode}): {last}", False)
    return parse_exports(done.stdout)


def resolve_real_plane(env: dict[str, str] | None = None, kit: Path = KIT) -> RealPlane | None:
    """The server to test, or None when there is none (the lane is then skipped)."""
    env = dict(os.environ if env is None else env)
    if all(env.get(name) for name in ("PLANE_BASE_URL", "PLANE_API_KEY", "PLANE_WORKSPACE_SLUG")):
        return _from(env)
    if not kit.is_file():
        return None
    exports = _start_kit()
    missing = [
        n for n in ("PLANE_BASE_URL", "PLANE_API_KEY", "PLANE_WORKSPACE_SLUG") if n not in exports
    ]
    if missing:
        pytest.fail(f"real-Plane lane: up.sh printed no {', '.join(missing)}", False)
    return _from(exports)


@pytest.fixture(scope="session")
def real_plane() -> RealPlane:
    found = resolve_real_plane()
    if found is None:
        pytest.skip(SKIP_REASON)
    return found


@pytest.fixture(scope="session")
def real_planes(real_plane: RealPlane) -> dict[str, RealPlane]:
    """Each release the lane has, by version ("1.3.1"): for now the one server above."""
    return {real_plane.release: real_plane}


@pytest.fixture(scope="module", params=RELEASES, ids=[f"v{r}" for r in RELEASES])
def each_release(request: pytest.FixtureRequest, real_planes: dict[str, RealPlane]) -> RealPlane:
    """One test per Plane release the suite knows; that release's server, or a one-line skip
    when the lane has none."""
    found = real_planes.get(str(request.param))
    if found is None:
        have = ", ".join(f"v{r}" for r in sorted(real_planes)) or "none"
        pytest.skip(f"the lane has no Plane v{request.param} (it has: {have})")
    return found

"""The real-Plane kit (../shared/realplane): which releases the lane runs, on which ports.

One table says it, for the lane's fixtures and for `.ci/run`, which starts every release in the
background before the README test command so that their first start (a venv and a database
migration each, several minutes) overlaps with the project's own tests:

    python -m tests.realplane.kit up [RELEASE ...]     # start (or verify) them, in parallel

`up.sh` run again with the same options only verifies a running instance and prints its
`export` lines (about 2 s), so the lane's fixtures call it the same way whether CI started the
releases already or not. Keys are secrets even when they are fixed test keys: nothing here
prints them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KIT = REPO.parent / "shared" / "realplane" / "up.sh"
UP_TIMEOUT_S = 1500  # a first start of three releases at once installs venvs and migrates
LANE_RATE = "6000/minute"  # raised: the lane runs many suites; one test runs at Plane's 60
_EXPORT = re.compile(r"^export ([A-Z_][A-Z0-9_]*)=(.*)$")


@dataclass(frozen=True)
class KitRelease:
    """One release of the kit and the four loopback ports its instance uses."""

    release: str
    port: int
    pg_port: int
    redis_port: int
    s3_port: int

    def up_command(self, rate: str = LANE_RATE) -> list[str]:
        return [
            "bash", str(KIT), "--release", self.release, "--dir", kit_dir(), "--rate", rate,
            "--port", str(self.port), "--pg-port", str(self.pg_port),
            "--redis-port", str(self.redis_port), "--s3-port", str(self.s3_port),
        ]  # fmt: skip


# The default release first; each on ports of its own so that all run side by side.
RELEASES = (
    KitRelease("v1.3.1", 8000, 5433, 6379, 9010),
    KitRelease("v1.2.3", 8002, 5434, 6380, 9011),
    KitRelease("v1.0.0", 8004, 5435, 6381, 9012),
)
DEFAULT_RELEASE = RELEASES[0].release
BY_NAME = {kit.release: kit for kit in RELEASES}


def kit_dir() -> str:
    return os.environ.get("PLANE_REAL_DIR", "/var/tmp/plane-real")


def parse_exports(text: str) -> dict[str, str]:
    """NAME=value of every `export NAME=value` line (values may be shell-quoted)."""
    found = {}
    for line in text.splitlines():
        match = _EXPORT.match(line.strip())
        if match:
            value = match.group(2).split(" #")[0].strip()
            found[match.group(1)] = shlex.split(value)[0] if value else ""
    return found


class KitFailure(RuntimeError):
    """up.sh did not bring a release up; the message is its last line (never a key)."""


def up(
    kit: KitRelease, rate: str = LANE_RATE, past_apt: threading.Event | None = None
) -> dict[str, str]:
    """Start (or verify) one release; its `export` values. `past_apt` is set once up.sh says
    something other than its apt step (or ends): the system packages are in place then."""
    with subprocess.Popen(
        kit.up_command(rate), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        said: list[str] = []
        timer = threading.Timer(UP_TIMEOUT_S, process.kill)
        timer.start()
        try:
            for line in process.stderr:
                said.append(line.rstrip())
                if past_apt is not None and "apt" not in line:
                    past_apt.set()
            out = process.stdout.read()
            code = process.wait()
        finally:
            timer.cancel()
            if past_apt is not None:
                past_apt.set()
    if code != 0:
        last = (said or ["no message"])[-1]
        raise KitFailure(f"up.sh --release {kit.release} failed ({code}): {last}")
    return parse_exports(out)


def up_all(releases: Sequence[KitRelease]) -> dict[str, dict[str, str] | KitFailure]:
    """Start several releases at once (each has its own lock in the kit). The first goes alone
    through up.sh's apt step: two apt-get runs at once would fight over dpkg's lock."""
    if not releases:
        return {}
    past_apt = threading.Event()
    with ThreadPoolExecutor(max_workers=len(releases)) as pool:
        first = releases[0]
        futures = {first.release: pool.submit(up, first, LANE_RATE, past_apt)}
        past_apt.wait()
        futures.update({kit.release: pool.submit(up, kit) for kit in releases[1:]})
    results: dict[str, dict[str, str] | KitFailure] = {}
    for name, future in futures.items():
        try:
            results[name] = future.result()
        except KitFailure as failure:
            results[name] = failure
    return results


def main(argv: Sequence[str]) -> int:
    if len(argv) < 1 or argv[0] != "up":
        print("usage: python -m tests.realplane.kit up [RELEASE ...]", file=sys.stderr)
        return 2
    if not KIT.is_file():
        print(f"kit: {KIT} is absent; nothing to start", file=sys.stderr)
        return 0
    unknown = [name for name in argv[1:] if name not in BY_NAME]
    if unknown:
        print(f"kit: unknown release {unknown[0]}; known: {', '.join(BY_NAME)}", file=sys.stderr)
        return 2
    chosen = [BY_NAME[name] for name in argv[1:]] or list(RELEASES)
    failed = 0
    for name, outcome in up_all(chosen).items():
        if isinstance(outcome, KitFailure):
            failed += 1
            print(f"kit: {outcome}", file=sys.stderr)
        else:
            print(f"kit: {name} is up at {outcome.get('PLANE_BASE_URL', '?')}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

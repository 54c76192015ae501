"""The key's window shared with another client (issue 21): somebody else's integration spends the
same key while the suite runs. Their requests lower X-RateLimit-Remaining too, and may fall due
in a sliding window during a burst; none of that is the server's departure, so no rate-limit
requirement may fail for it (a verdict the suite cannot be sure of is not verified, never failed).

The other client is a sync job and then a live integration: it spends half the key's window over
the run's first seconds (in a sliding window those requests fall due a minute later, when
RATE-003's burst comes), then a request every PACE_S until the run has ended (an event, not a
duration). It never spends the whole window: a key pinned at zero by someone else starves the
run (every request a 429) instead of testing it, and a minute of that took both cores of a
small machine. The assertion holds at any speed of either.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from conformance.proof import suite_command
from conformance.reference.launcher import start_reference_server

RATE_LIMIT = 6000
SYNC_PACE_S = 1 / 300  # the sync job's pace: half the window takes ten seconds or more
PACE_S = 0.1  # the live integration's pace: far below the limit
RATE_IDS = ("RATE-001", "RATE-002", "RATE-003", "RATE-004", "RATE-005", "RATE-006")


def _spend(
    base_url: str, key: str, done: threading.Event, sent: list[int], spending: threading.Event
) -> None:
    with httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=10.0) as other:
        while not done.is_set():
            try:
                other.get("/api/v1/users/me/")
            except httpx.HTTPError:
                continue
            sent[0] += 1
            spending.set()
            done.wait(PACE_S if sent[0] >= RATE_LIMIT // 2 else SYNC_PACE_S)


@pytest.mark.parametrize("variations", [(), ("sliding-rate-window",)], ids=["fixed", "sliding"])
def test_another_client_on_the_same_key_fails_no_rate_limit_requirement(
    tmp_path: Path, variations: tuple[str, ...]
) -> None:
    with start_reference_server(
        rate_limit=RATE_LIMIT, variations=variations, stderr=subprocess.DEVNULL
    ) as server:
        done, spending, sent = threading.Event(), threading.Event(), [0]
        spend = (server.base_url, server.api_key, done, sent, spending)
        other = threading.Thread(target=_spend, args=spend)
        other.start()
        try:
            assert spending.wait(timeout=120), "the other client got no answer"
            target = ("--target", server.base_url, "--workspace", server.workspace)
            command = suite_command(
                tmp_path, profile="standard", options=(*target, "--only", "ratelimit")
            )
            env = {**os.environ, "PLANE_API_KEY": server.api_key}
            env.pop("PLANE_BASE_URL", None)
            run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        finally:
            done.set()
            other.join()
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    statuses = {v["id"]: v["status"] for v in results["requirements"] if v["id"] in RATE_IDS}
    failed = {rid: status for rid, status in statuses.items() if status in ("failed", "error")}
    assert sent[0] > 0, "the other client sent nothing"
    assert not failed, f"{failed}\n{run.stdout[-2000:]}"
    assert statuses["RATE-001"] == statuses["RATE-002"] == "passed", statuses

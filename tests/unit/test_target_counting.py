"""What the target's rate limit counts: found out from two keyed reads, then never paced for."""

from __future__ import annotations

from pathlib import Path

import httpx

from conformance.target.client import TargetClient
from conformance.target.counting import UNKEYED_KINDS, discover_counting
from conformance.target.pacing import Pacer
from tests.unit.test_target_pacing import NOW, FakeTime

KEY = "plane_api_k"


class CountingServer:
    """A fixed window of `limit` requests; `per_key` counts the key's requests only (as Plane's
    throttle, after authentication), else every request (a gateway counting per address)."""

    def __init__(self, *, per_key: bool, limit: int = 60, moving_reset: bool = False) -> None:
        self.per_key, self.left, self.moving_reset = per_key, limit, moving_reset
        self.reset = int(NOW) + 50
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        keyed = request.headers.get("x-api-key") == KEY
        self.seen.append("key" if keyed else "other")
        if keyed or not self.per_key:
            self.left -= 1
        if self.moving_reset:
            self.reset += 10  # a sliding window whose oldest request aged out
        if not keyed:
            return httpx.Response(401, json={"detail": "Authentication failed"})
        headers = {"X-RateLimit-Remaining": str(self.left), "X-RateLimit-Reset": str(self.reset)}
        return httpx.Response(200, json={"id": "me"}, headers=headers)


def _client(server: CountingServer, state: Path, fake: FakeTime | None = None) -> TargetClient:
    fake = fake or FakeTime()
    pacer = Pacer(state, clock=fake.clock, sleep=fake.sleep)
    return TargetClient("http://t", KEY, "ws", transport=httpx.MockTransport(server), pacer=pacer)


def test_a_per_key_limit_does_not_count_keyless_or_wrong_key_requests(tmp_path: Path) -> None:
    server = CountingServer(per_key=True)
    counting = discover_counting(_client(server, tmp_path / "s.json"))
    assert counting.uncounted == UNKEYED_KINDS
    assert server.seen == ["key", "other", "other", "key"]
    assert counting.adaptation() is not None


def test_a_limit_per_address_counts_everything(tmp_path: Path) -> None:
    counting = discover_counting(_client(CountingServer(per_key=False), tmp_path / "s.json"))
    assert counting.uncounted == ()
    assert "fell by 3" in counting.evidence
    assert counting.adaptation() is None


def test_a_window_that_moved_between_the_reads_proves_nothing(tmp_path: Path) -> None:
    server = CountingServer(per_key=True, moving_reset=True)
    counting = discover_counting(_client(server, tmp_path / "s.json"))
    assert counting.uncounted == ()
    assert "the window moved" in counting.evidence


def test_uncounted_requests_never_wait_and_counted_ones_still_do(tmp_path: Path) -> None:
    fake = FakeTime()
    server = CountingServer(per_key=True, limit=4)
    client = _client(server, tmp_path / "s.json", fake)
    counting = discover_counting(client)  # the key's 4 requests: 2 counted, 2 left
    assert client.pacer is not None
    client.pacer.learn_uncounted(counting.uncounted)
    for _ in range(5):  # the budget is at the reserve: a counted request would wait
        assert client.get("/api/v1/users/me/", key=False).status_code == 401
    assert fake.slept == []
    client.get("/api/v1/users/me/")
    assert len(fake.slept) == 1  # the key's request waited for the reset


def test_without_the_finding_every_request_is_paced(tmp_path: Path) -> None:
    fake = FakeTime()
    client = _client(CountingServer(per_key=True, limit=3), tmp_path / "s.json", fake)
    client.get("/api/v1/users/me/")  # 2 left: the reserve
    client.get("/api/v1/users/me/", key=False)
    assert len(fake.slept) == 1

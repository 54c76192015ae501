"""Pacing: waits computed from the rate-limit headers, 429 retried, budget shared via the file."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from conformance.credentials import ApiKey
from conformance.target import pacing
from conformance.target.client import TargetClient
from conformance.target.pacing import (
    MARGIN_S,
    Pacer,
    Wait,
    announced_wait,
    parse_reset,
    parse_retry_after,
    remove_state,
    state_path_for,
)

NOW = 1_700_000_000.0


class FakeTime:
    def __init__(self) -> None:
        self.now = NOW
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _pacer(path: Path, fake: FakeTime, reserve: int = 2) -> Pacer:
    return Pacer(path, reserve=reserve, clock=fake.clock, sleep=fake.sleep)


def test_header_parsing() -> None:
    assert parse_reset("1700000030", NOW) == 1_700_000_030
    assert parse_reset("30", NOW) == NOW + 30  # seconds-from-now tolerated
    assert parse_reset("soon", NOW) is None
    assert parse_retry_after("7", NOW) == 7
    assert parse_retry_after("Tue, 14 Nov 2023 22:13:40 GMT", NOW) == 20
    assert parse_retry_after(None, NOW) is None


def test_waits_for_the_reset_when_only_the_reserve_is_left(tmp_path: Path) -> None:
    fake = FakeTime()
    pacer = _pacer(tmp_path / "state.json", fake)
    pacer.before_request()
    pacer.after_response({"x-ratelimit-remaining": "3", "x-ratelimit-reset": str(int(NOW) + 40)})
    pacer.before_request()  # 3 left > reserve 2: goes at once, leaving 2
    assert fake.slept == []
    pacer.before_request()  # only the reserve left: wait for the reset
    assert len(fake.slept) == 1 and 40 <= fake.slept[0] <= 41


def test_budget_is_shared_through_the_state_file(tmp_path: Path) -> None:
    fake = FakeTime()
    path = state_path_for("http://x", ApiKey("key"), tmp_path)
    worker_a, worker_b = _pacer(path, fake), _pacer(path, fake)
    worker_a.after_response({"x-ratelimit-remaining": "2", "x-ratelimit-reset": str(int(NOW) + 10)})
    worker_b.before_request()
    assert fake.slept and 10 <= fake.slept[0] <= 11
    assert path.exists() and state_path_for("http://x", ApiKey("other"), tmp_path) != path


def test_out_of_order_responses_keep_the_lowest_count(tmp_path: Path) -> None:
    fake = FakeTime()
    pacer = _pacer(tmp_path / "s.json", fake)
    reset = str(int(NOW) + 50)
    pacer.after_response({"x-ratelimit-remaining": "10", "x-ratelimit-reset": reset})
    pacer.after_response({"x-ratelimit-remaining": "12", "x-ratelimit-reset": reset})
    assert pacer._read().remaining == 10


def test_429_is_waited_out_and_retried(tmp_path: Path) -> None:
    fake = FakeTime()
    answers = iter([
        httpx.Response(429, headers={"Retry-After": "5"}, json={"detail": "slow down"}),
        httpx.Response(200, json={"ok": True}),
    ])  # fmt: skip
    client = TargetClient(
        "http://t", "k", "ws",
        transport=httpx.MockTransport(lambda request: next(answers)),
        pacer=_pacer(tmp_path / "s.json", fake),
    )  # fmt: skip
    response = client.get("/api/v1/users/me/")
    assert response.status_code == 200
    assert client.requests_sent == 2
    assert fake.slept and 5 <= fake.slept[0] < 6


def test_pace_false_shows_the_429(tmp_path: Path) -> None:
    fake = FakeTime()
    client = TargetClient(
        "http://t", "k", "ws",
        transport=httpx.MockTransport(lambda r: httpx.Response(429, json={"detail": "limit"})),
        pacer=_pacer(tmp_path / "s.json", fake),
    )  # fmt: skip
    assert client.get("/x", pace=False).status_code == 429
    assert client.requests_sent == 1 and fake.slept == []


def _spend(path: str, count: int) -> None:
    pacer = Pacer(Path(path))
    for _ in range(count):
        pacer.before_request()
    pacer.close()


def test_concurrent_processes_never_lose_a_reservation(tmp_path: Path) -> None:
    """The lock makes each read-modify-write whole: two processes, every reservation counted."""
    import multiprocessing
    import time

    path = tmp_path / "state.json"
    path.write_text(json.dumps({"remaining": 1000, "reset": time.time() + 3600}))
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_spend, args=(str(path), 150)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert json.loads(path.read_text())["remaining"] == 1000 - 300


def test_unreadable_state_means_an_unknown_budget(tmp_path: Path) -> None:
    fake = FakeTime()
    path = tmp_path / "state.json"
    for content in ("", "not json", "[1, 2]"):
        path.write_text(content)
        pacer = _pacer(path, fake)
        pacer.before_request()  # no budget known: goes at once
        assert fake.slept == []
        pacer.close()


def test_without_flock_the_filelock_fallback_shares_the_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where fcntl is missing (Windows) the budget still travels through the file."""
    from conformance.target import pacing

    monkeypatch.setattr(pacing, "fcntl", None)
    fake = FakeTime()
    path = tmp_path / "state.json"
    worker_a, worker_b = _pacer(path, fake), _pacer(path, fake)
    worker_a.after_response({"x-ratelimit-remaining": "2", "x-ratelimit-reset": str(int(NOW) + 10)})
    worker_b.before_request()
    assert fake.slept and 10 <= fake.slept[0] <= 11


def test_a_wait_is_announced_in_the_file_while_it_lasts(tmp_path: Path) -> None:
    """The progress display (another thread or process) reads what the run waits for."""
    fake = FakeTime()
    path = tmp_path / "s.json"
    seen: list[object] = []
    pacer = Pacer(path, clock=fake.clock, sleep=lambda s: seen.append(announced_wait(path, NOW)))
    pacer.after_response({"x-ratelimit-remaining": "2", "x-ratelimit-reset": str(int(NOW) + 41)})
    pacer.before_request()
    assert seen == [Wait(NOW + 41 + MARGIN_S, "X-RateLimit-Reset")]
    assert announced_wait(path, NOW) is None  # over once the request went


def test_a_wait_the_suite_chooses_is_announced_with_its_reason(tmp_path: Path) -> None:
    """No silent wait: RATE-003's quiet minute is shown like a rate-limit wait, with its why."""
    path = tmp_path / "s.json"
    seen: list[Wait | None] = []
    pacer = Pacer(path, clock=lambda: NOW, sleep=lambda s: seen.append(announced_wait(path, NOW)))
    pacer.wait(58, why="RATE-003 needs a quiet minute")
    pacer.hold(5, why="holding for quiet")
    assert seen == [
        Wait(NOW + 58, "RATE-003 needs a quiet minute"),
        Wait(NOW + 5, "holding for quiet"),
    ]
    assert seen[0] is not None
    assert seen[0].describe(NOW) == "waiting 58 s: RATE-003 needs a quiet minute"
    assert announced_wait(path, NOW) is None  # over once the wait is
    pacer.wait(3)  # a wait without a reason is not announced
    assert seen[-1] is None


def test_a_429_wait_names_retry_after(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    pacer = Pacer(path, clock=lambda: NOW)
    pacer.on_429({"retry-after": "30"})
    wait = announced_wait(path, NOW)
    assert wait is not None and wait.reason == "Retry-After"
    assert wait.describe(NOW) == "waiting 30 s for the rate limit (Retry-After)"
    pacer.after_response({"x-ratelimit-remaining": "5"})  # another worker's answer meanwhile
    assert announced_wait(path, NOW) == wait


def test_remove_state_deletes_the_budget_file(tmp_path: Path) -> None:
    path = state_path_for("http://x", ApiKey("key"), tmp_path)
    pacer = Pacer(path)
    pacer.before_request()
    pacer.close()
    assert path.exists()
    remove_state(path)
    remove_state(path)  # twice is fine: the runner and the plugin may both try
    assert list(tmp_path.iterdir()) == []


def test_the_keys_requests_in_flight_are_remembered_across_processes(tmp_path: Path) -> None:
    """RATE-003 needs to know when the key's requests were in flight (a sliding window gives
    each back a minute later): the client records them, keyless ones aside, in the shared file."""
    fake = FakeTime()
    path = tmp_path / "s.json"

    def answer(request: httpx.Request) -> httpx.Response:
        fake.now += 0.2  # the request takes 200 ms
        return httpx.Response(200, json={}, headers={"X-RateLimit-Remaining": "50"})

    client = TargetClient(
        "http://t", "k", "ws", transport=httpx.MockTransport(answer), pacer=_pacer(path, fake)
    )
    client.get("/api/v1/users/me/")
    client.get("/api/v1/users/me/", key=False)  # not counted by the key's window
    fake.now += 5
    client.get("/api/v1/users/me/", pace=False)
    other_process = _pacer(path, fake)
    flat = [t - NOW for interval in other_process.busy() for t in interval]
    assert flat == pytest.approx([0, 0.2, 5.4, 5.6])
    fake.now += 100
    client.get("/x")
    flat = [t - NOW for interval in other_process.busy() for t in interval]
    assert flat == pytest.approx([105.6, 105.8])  # the older ones are forgotten


def test_set_aside_keeps_several_requests_aside_and_hold_keeps_everyone_waiting(
    tmp_path: Path,
) -> None:
    fake = FakeTime()
    pacer = _pacer(tmp_path / "s.json", fake)
    pacer.after_response({"x-ratelimit-remaining": "9", "x-ratelimit-reset": str(int(NOW) + 30)})
    pacer.set_aside(5)
    assert pacer._read().remaining == 4 and fake.slept == []
    pacer.set_aside(5)  # would leave less than the reserve: wait for the reset first
    assert len(fake.slept) == 1 and 30 <= fake.slept[0] <= 31
    pacer.hold(4.0)
    assert fake.slept[-1] == 4.0


def test_the_file_is_decoded_only_after_another_process_wrote_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request passes the file twice: a process alone decodes it once, and still sees at
    once what another process wrote."""
    fake = FakeTime()
    path = tmp_path / "s.json"
    mine, other = _pacer(path, fake), _pacer(path, fake)
    decoded: list[bytes] = []
    decode = pacing._decode
    monkeypatch.setattr(pacing, "_decode", lambda raw: decoded.append(raw) or decode(raw))
    reset = str(int(NOW) + 50)
    for remaining in range(20, 10, -1):
        mine.before_request()
        mine.after_response({"x-ratelimit-remaining": str(remaining), "x-ratelimit-reset": reset})
    assert len(decoded) == 1  # the empty file, at the first request
    other.before_request()
    assert mine._read().remaining == 10 and len(decoded) == 3  # each decoded the other's write
    assert json.loads(path.read_bytes())["remaining"] == 10

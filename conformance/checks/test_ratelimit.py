"""Rate limiting (API introduction, "Rate Limiting" and the 429 status): RATE-001..006.

A handful of consecutive authenticated requests are sampled once and shared by the header checks.
Spending the whole window to see the 429 costs about X-RateLimit-Remaining requests and up to a
minute of waiting, so it runs in the full profile only; it is done once and shared by RATE-004..006.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import pairwise

import httpx
import pytest

from conformance.outcomes import NotSelected, NotVerified
from conformance.target.client import TargetClient

REMAINING = "X-RateLimit-Remaining"
RESET = "X-RateLimit-Reset"
WINDOW_S = 3600  # the reset must lie within the hour
MILLIS_FROM = 10**12  # epoch values from here on are milliseconds (13 digits), not seconds
CLOCK_SLACK_S = 2  # the target's clock and ours may differ a little
SAMPLES = 4  # consecutive requests observed for the header checks
MAX_SPEND = 300  # beyond this many remaining requests, exhausting the window is not worth it
MAX_WAIT_S = 65.0


def probe_paths(client: TargetClient) -> list[str]:
    """Cheap authenticated reads, alternating so that more than one endpoint is seen."""
    return ["/api/v1/users/me/", client.ws("projects/")]


def parse_int(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value is not None else None
    except ValueError:
        return None


def remaining_problems(headers: httpx.Headers | dict[str, str]) -> list[str]:
    value = headers.get(REMAINING)
    if value is None:
        return [f"no {REMAINING} header"]
    number = parse_int(value)
    if number is None or number < 0:
        return [f"{REMAINING}: {value!r} is not a non-negative integer"]
    return []


def reset_problems(headers: httpx.Headers | dict[str, str], now: float) -> list[str]:
    value = headers.get(RESET)
    if value is None:
        return [f"no {RESET} header"]
    number = parse_int(value)
    if number is None:
        return [f"{RESET}: {value!r} is not an integer number of epoch seconds"]
    if number >= MILLIS_FROM:
        return [f"{RESET}: {value} looks like epoch milliseconds, the docs say seconds"]
    if number < now - CLOCK_SLACK_S:
        return [f"{RESET}: {value} lies {now - number:.0f}s in the past"]
    if number > now + WINDOW_S + CLOCK_SLACK_S:
        return [f"{RESET}: {value} lies more than an hour ahead ({number - now:.0f}s)"]
    return []


def sequence_problems(samples: list[tuple[int, int]]) -> list[str]:
    """(remaining, reset) in request order: within one window never up, and down at least once.

    Other clients of the same key only make Remaining fall faster, so a rise within a window
    is always wrong; a new window (another reset value) may start afresh.
    """
    problems, decreases, comparable = [], 0, 0
    for (before, window), (after, next_window) in pairwise(samples):
        if abs(next_window - window) > 1:
            continue  # the window reset between these two requests
        comparable += 1
        if after > before:
            problems.append(f"{REMAINING} rose from {before} to {after} within one window")
        decreases += after < before
    if comparable and not decreases:
        problems.append(f"{REMAINING} never decreased over {len(samples)} requests: {samples}")
    if not comparable:
        problems.append(f"no two requests fell in the same window: {samples}")
    return problems


@pytest.fixture(scope="module")
def sampled(client: TargetClient) -> list[tuple[httpx.Response, float]]:
    """SAMPLES consecutive authenticated GETs, each with the time it was answered."""
    paths = probe_paths(client)
    return [(client.get(paths[i % len(paths)]), time.time()) for i in range(SAMPLES)]


def check(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


@pytest.mark.requirement("RATE-001")
def test_responses_carry_remaining(sampled: list[tuple[httpx.Response, float]]) -> None:
    check([p for response, _ in sampled for p in remaining_problems(response.headers)])


@pytest.mark.requirement("RATE-002")
def test_responses_carry_reset_in_epoch_seconds(
    sampled: list[tuple[httpx.Response, float]],
) -> None:
    check([p for response, when in sampled for p in reset_problems(response.headers, when)])


@pytest.mark.requirement("RATE-003")
def test_remaining_decreases_within_a_window(
    sampled: list[tuple[httpx.Response, float]],
) -> None:
    pairs = [
        (parse_int(r.headers.get(REMAINING)), parse_int(r.headers.get(RESET))) for r, _ in sampled
    ]
    readable = [(left, right) for left, right in pairs if left is not None and right is not None]
    if len(readable) < 2:
        raise NotVerified(f"{REMAINING}/{RESET} are not readable (judged by RATE-001/002)")
    check(sequence_problems(readable))


# --- exhausting the window (full profile) ------------------------------------------------------


@dataclass
class Exhaustion:
    spent: int = 0  # requests sent until the 429
    throttled: httpx.Response | None = None
    after_reset: list[httpx.Response] = field(default_factory=list)
    waited_s: float = 0.0


def wait_seconds(response: httpx.Response, now: float) -> float:
    """How long the 429 asks us to wait: Retry-After, else the reset, else a whole window."""
    retry_after = parse_int(response.headers.get("Retry-After"))
    if retry_after is not None:
        return float(retry_after)
    reset = parse_int(response.headers.get(RESET))
    if reset is not None and reset < MILLIS_FROM:
        return max(0.0, reset - now)
    return 60.0


@pytest.fixture(scope="module")
def exhaustion(
    client: TargetClient, profile: str, sampled: list[tuple[httpx.Response, float]]
) -> Exhaustion:
    remaining = parse_int(sampled[-1][0].headers.get(REMAINING))
    if profile != "full":
        about = remaining if remaining is not None else "the whole limit of"
        raise NotSelected(f"full profile only: costs about {about} requests and up to a minute")
    budget = (remaining if remaining is not None else 60) + 10
    if budget > MAX_SPEND:
        raise NotSelected(f"{REMAINING} is {remaining}: spending the window would cost too much")
    path = probe_paths(client)[0]
    result = Exhaustion()
    for _ in range(budget):
        response = client.get(path, pace=False)  # see the 429 instead of waiting it out
        result.spent += 1
        if response.status_code == 429:
            result.throttled = response
            break
    if result.throttled is None:
        return result
    result.waited_s = min(wait_seconds(result.throttled, time.time()), MAX_WAIT_S) + 1.0
    time.sleep(result.waited_s)
    for _ in range(2):  # one second more, once, for a clock that lags ours
        result.after_reset.append(client.get(path, pace=False))
        if result.after_reset[-1].status_code != 429:
            break
        time.sleep(1.0)
    return result


@pytest.mark.requirement("RATE-004")
def test_requests_beyond_the_limit_get_429(exhaustion: Exhaustion) -> None:
    assert exhaustion.throttled is not None, (
        f"{exhaustion.spent} requests in a row (more than {REMAINING} announced) were all served"
    )


def _require_429(exhaustion: Exhaustion) -> httpx.Response:
    if exhaustion.throttled is None:
        raise NotVerified("no 429 was observed (judged by RATE-004)")
    return exhaustion.throttled


@pytest.mark.requirement("RATE-005")
def test_the_same_request_succeeds_after_the_reset(exhaustion: Exhaustion) -> None:
    _require_429(exhaustion)
    statuses = [response.status_code for response in exhaustion.after_reset]
    assert statuses and statuses[-1] < 400, (
        f"after waiting {exhaustion.waited_s:.0f}s past the 429 the request answered {statuses}"
    )


@pytest.mark.requirement("RATE-006")
def test_429_has_json_body_and_retry_after(exhaustion: Exhaustion) -> None:
    throttled = _require_429(exhaustion)
    problems = []
    try:
        throttled.json()
    except ValueError:
        problems.append(f"the 429 body is not JSON: {throttled.text[:120]!r}")
    if "Retry-After" not in throttled.headers:
        problems.append("the 429 has no Retry-After header")
    check(problems)

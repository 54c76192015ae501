"""Rate limiting (API introduction, "Rate Limiting" and the 429 status): RATE-001..006.

A handful of consecutive authenticated requests are sampled once for the header checks (every
other response of the run is judged run-wide too, conformance/plugin/run_wide.py).

RATE-003 sends a short burst back to back and requires X-RateLimit-Remaining to fall and never
rise within one window. A fixed window (Reset constant) only starts afresh at its reset; a
sliding window (Plane's: Reset = now + 60 on every answer, Remaining counts the last minute)
also gives a request back a minute after it was made. So the burst is sent where nothing of the
suite's own falls due (the pacer remembers when the key's requests were in flight, across
processes): right away when the minute before is quiet, else at the next quiet moment, which
the check makes by holding every paced request for a few seconds when the last minute had none.
Only pairs of answers with nothing falling due between them are judged.

Spending the whole window to see the 429 costs about X-RateLimit-Remaining requests and up to a
minute of waiting, so it runs in the full profile only (elsewhere: not selected, the user's
choice); it is done once and shared by RATE-004..006. A window larger than MAX_SPEND is not spent
even in the full profile: that is the suite's choice, so RATE-004..006 are *not verified*, with why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import httpx
import pytest

from conformance.outcomes import NotSelected, NotVerified, Units
from conformance.target.client import TargetClient
from conformance.target.pacing import Interval, Pacer, is_quiet, next_quiet

REMAINING = "X-RateLimit-Remaining"
RESET = "X-RateLimit-Reset"
WINDOW_S = 3600  # the reset must lie within the hour
MILLIS_FROM = 10**12  # epoch values from here on are milliseconds (13 digits), not seconds
CLOCK_SLACK_S = 2  # the target's clock and ours may differ a little
SAMPLES = 4  # consecutive requests observed for the header checks
NO_PROJECT = "00000000-0000-4000-8000-00000000dead"  # a project id no workspace has
NOT_API_ANSWERS = (401, 404, 429)  # not judged for the headers (the same as run-wide)
BURST = 5  # back-to-back requests of the RATE-003 burst
SLIDE_S = 60.0  # a sliding window gives a request back this long after it ("per minute")
BURST_SPAN_S = 3.0  # the quiet stretch the burst needs a minute earlier
EDGE_S = 0.1  # timing margin around "in flight" (clock reads, scheduling)
IN_FLIGHT_S = 1.0  # requests sent before a hold may still be answered this long after it
# The one wait the suite chooses (shown on the progress line while it lasts): in a sliding
# window a request is given back a minute after it, so a burst is counted in a quiet minute.
QUIET_WHY = "RATE-003 counts a burst in a sliding window, after a minute of the run's quiet"
HOLD_S = BURST_SPAN_S + IN_FLIGHT_S + 1.0  # how long paced requests are held for quiet
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


@dataclass(frozen=True)
class Sample:
    """One answer of the burst: when its request left and its answer came, and its headers."""

    sent: float
    received: float
    remaining: int | None
    reset: int | None
    status: int = 200

    @property
    def counted(self) -> bool:
        """An answer that can show the count: readable headers, and a request served (a 429
        says the window is spent, by this key's other clients or the suite: nothing to count)."""
        return self.remaining is not None and self.reset is not None and self.status != 429


def new_window(a: Sample, b: Sample) -> bool:
    """Whether a fixed window reset between two answers: Reset jumped further ahead than the
    time that passed (a sliding window's Reset only moves on with the clock)."""
    assert a.reset is not None and b.reset is not None
    return b.reset - a.reset > (b.received - a.received) + 2


def burst_findings(
    samples: list[Sample], judgeable: Callable[[Sample, Sample], bool]
) -> tuple[list[str], str, int]:
    """(rises, not counting, pairs judged): over consecutive answers within one window where
    nothing of the suite's own fell due (`judgeable`), Remaining never rises and ends lower than
    it began. Other clients of the key only make it fall faster."""
    readable = [s for s in samples if s.counted]
    judged = [(a, b) for a, b in pairwise(readable) if not new_window(a, b) and judgeable(a, b)]
    rises = [
        f"{REMAINING} rose from {a.remaining} to {b.remaining} within one window"
        for a, b in judged
        if (b.remaining or 0) > (a.remaining or 0)
    ]
    if judged and not rises and all(a.remaining == b.remaining for a, b in judged):
        values = [s.remaining for s in readable]
        if not any(values):  # 0 throughout: a spent window has nothing left to count down
            return [], "", 0
        return [], f"{REMAINING} did not count {len(samples)} requests: {values}", len(judged)
    return rises, "", len(judged)


def burst_problems(
    samples: list[Sample], judgeable: Callable[[Sample, Sample], bool]
) -> tuple[list[str], int]:
    """(problems, pairs judged): `burst_findings`, the rises and the not counting together."""
    rises, not_counting, judged = burst_findings(samples, judgeable)
    return [*rises, *([not_counting] if not_counting else [])], judged


def others_spending(samples: list[Sample]) -> str:
    """Evidence that someone else spends the key during the burst (its requests are the suite's
    only, back to back, and the pacer set all of them aside within the window): Remaining fell
    by more than the suite's requests between two answers, or after the i-th of n answers fewer
    than the n - i requests still to come were left (the suite's own reservation cannot explain
    it). "" when none."""
    refused = [i for i, s in enumerate(samples) if s.status == 429]
    if refused:  # the pacer set the whole burst aside: the window ran out by others' requests
        return f"request {refused[0] + 1} of a burst of {len(samples)} set aside for it got a 429"
    readable = [(i, s.remaining) for i, s in enumerate(samples) if s.remaining is not None]
    # Between two readable answers the suite sent j - i requests (an unreadable one between
    # them still counts): a fall beyond that is someone else's.
    drops = [(a - b, j - i) for (i, a), (j, b) in pairwise(readable) if a - b > j - i]
    if drops:
        fell, sent = max(drops)
        return f"{REMAINING} fell by {fell} over {sent} of its requests"
    to_come = [(i, left) for i, left in readable if left < len(samples) - i - 1]
    if to_come:
        i, left = to_come[0]
        return (
            f"{REMAINING} was {left} after request {i + 1} of a burst of {len(samples)} "
            "set aside for it"
        )
    if 0 in (left for _, left in readable):
        return f"{REMAINING} reached 0 during a burst of {len(samples)} set aside for it"
    return ""


def nothing_due(busy: list[Interval]) -> Callable[[Sample, Sample], bool]:
    """Whether no request of the key was in flight a minute before the time between two
    answers: none can have fallen due (been given back by a sliding window) between them."""

    def judgeable(a: Sample, b: Sample) -> bool:
        return is_quiet(busy, a.sent - SLIDE_S - EDGE_S, b.received - SLIDE_S + EDGE_S)

    return judgeable


def wait_for_quiet(pacer: Pacer, sliding: bool = True) -> None:
    """Sleep until nothing of the key's own falls due for BURST_SPAN_S: the next quiet stretch
    of the last minute, a minute on; if the last minute has none, make one (hold every paced
    request for HOLD_S) and come back to it."""
    now = pacer.clock()
    busy = known_history(pacer, sliding)
    start = next_quiet(busy, now - SLIDE_S, now - SLIDE_S + 50, BURST_SPAN_S + EDGE_S)
    if start is None:
        held_from = pacer.clock()
        pacer.hold(HOLD_S, why=f"{QUIET_WHY}: holding the run's requests to make one")
        earliest = held_from + IN_FLIGHT_S
        busy = known_history(pacer, sliding)
        start = next_quiet(busy, earliest, earliest + 1, BURST_SPAN_S + EDGE_S)
    if start is not None:
        pacer.wait(start + SLIDE_S + EDGE_S - pacer.clock(), why=QUIET_WHY)


def send_burst(client: TargetClient, path: str) -> list[Sample]:
    """BURST unpaced requests back to back (the pacer set them aside), with their timings."""
    assert client.pacer is not None
    samples = []
    for _ in range(BURST):
        sent = client.pacer.clock()
        response = client.get(path, pace=False)
        headers = response.headers
        received = client.pacer.clock()
        remaining, reset = parse_int(headers.get(REMAINING)), parse_int(headers.get(RESET))
        samples.append(Sample(sent, received, remaining, reset, response.status_code))
    return samples


@pytest.fixture(scope="module")
def sampled(client: TargetClient) -> list[tuple[httpx.Response, float]]:
    """SAMPLES consecutive authenticated GETs, each with the time it was answered, and one the
    target refuses (the work items of a project no one has): "each API request" includes the
    ones answered with an error."""
    paths = probe_paths(client)
    reads = [(client.get(paths[i % len(paths)]), time.time()) for i in range(SAMPLES)]
    return [*reads, (refused_read(client), time.time())]


def refused_read(client: TargetClient) -> httpx.Response:
    """An authenticated read the target refuses: the work items of a project no one has. The
    path is a documented one, sent in the spelling the target routes (the client's route map):
    on a target that routes only `issues/`, a `work-items/` URL would answer the unrouted 404
    that RATE-001/002 leave aside, and the refusal would never be judged."""
    return client.get(client.ws(f"projects/{NO_PROJECT}/work-items/"))


def check(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


def api_answers(
    sampled: list[tuple[httpx.Response, float]],
) -> list[tuple[str, httpx.Response, float]]:
    """The samples that are answers of the API to the key, labelled; as run-wide (see
    conformance/plugin/run_wide.py NOT_API_ANSWERS), 401, 404 and 429 are left aside."""
    return [
        (f"#{index + 1} GET {response.request.url.path} -> {response.status_code}", response, at)
        for index, (response, at) in enumerate(sampled)
        if response.status_code not in NOT_API_ANSWERS
    ]


@pytest.mark.requirement("RATE-001")
def test_responses_carry_remaining(
    sampled: list[tuple[httpx.Response, float]], units: Units
) -> None:
    for label, response, _ in api_answers(sampled):
        units.judge("RATE-001", label, remaining_problems(response.headers))
    units.conclude()


@pytest.mark.requirement("RATE-002")
def test_responses_carry_reset_in_epoch_seconds(
    sampled: list[tuple[httpx.Response, float]], units: Units
) -> None:
    for label, response, when in api_answers(sampled):
        units.judge("RATE-002", label, reset_problems(response.headers, when))
    units.conclude()


def sliding_window(client: TargetClient, path: str) -> bool:
    """Whether the target's window slides: Reset moved on with the clock between two answers
    over a second apart, and again between the next two (a fixed window keeps its Reset until
    it ends, so it moves in one pair at most unless the window is shorter than the two pairs;
    unreadable headers: assume it slides, the careful case)."""
    return _reset_moves(client, path) and _reset_moves(client, path)


def _reset_moves(client: TargetClient, path: str) -> bool:
    assert client.pacer is not None
    first = client.get(path)
    start = client.pacer.clock()
    client.pacer.wait(1.2)
    second = client.get(path)
    elapsed = client.pacer.clock() - start
    a, b = parse_int(first.headers.get(RESET)), parse_int(second.headers.get(RESET))
    if a is None or b is None:
        return True
    return 0 < b - a <= elapsed + 2


def known_history(pacer: Pacer, sliding: bool) -> list[Interval]:
    """The key's requests in flight over the last minute, as far as the suite knows. With a
    sliding window, what came before this run's history began (another run of the suite, a
    script a minute ago) is unknown, so it counts as busy: the burst waits until it is a
    minute behind."""
    busy = pacer.busy()
    return [(0.0, pacer.history_since()), *busy] if sliding else busy


@pytest.mark.requirement("RATE-003")
def test_remaining_decreases_within_a_window(client: TargetClient) -> None:
    """A burst of requests makes Remaining fall, and never rise within one window."""
    pacer = client.pacer
    if pacer is None:
        raise NotVerified("the suite keeps no request history here (no pacer)")
    path = probe_paths(client)[0]
    sliding = sliding_window(client, path)
    for _ in range(3):  # after a long wait for quiet, set the burst aside afresh
        pacer.set_aside(BURST)  # may wait for the reset (a paced run): quiet follows at once
        before = pacer.clock()
        wait_for_quiet(pacer, sliding)
        if pacer.clock() - before < EDGE_S:
            break
    samples = send_burst(client, path)
    rises, not_counting, judged = burst_findings(
        samples, nothing_due(known_history(pacer, sliding))
    )
    others = others_spending(samples)
    if sliding and (rises or (not_counting and others)):
        # In a sliding window the key's requests of a minute earlier fall due during the burst.
        # The suite's own were ruled out (`nothing_due`); another client's cannot be: the
        # headers count the key, not whose requests. A rise is not verified, never failed (one
        # that spent a minute before leaves no trace), and so is a Remaining that does not
        # count while another client is seen spending; with nobody seen, it still fails.
        who = (
            f"another client spends this key ({others})"
            if others
            else "none of the suite's own could, another client's of the same key can (none "
            "was seen spending during the burst)"
        )
        raise NotVerified(
            f"{(rises or [not_counting])[0]}: in a sliding window that is the key's requests "
            f"of a minute earlier falling due; {who}, so it proves nothing about the server"
        )
    if not judged:
        seen = [(s.status, s.remaining, s.reset) for s in samples]
        raise NotVerified(
            f"no two answers of the burst could be compared ((status, remaining, reset): {seen}): "
            "unreadable headers (judged by RATE-001/002), 429s or a Remaining of 0 (the window "
            "spent, by another client of the key), a window reset, or the suite's own requests "
            "of a minute earlier falling due"
        )
    check([*rises, *([not_counting] if not_counting else [])])


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
    remaining = parse_int(sampled[SAMPLES - 1][0].headers.get(REMAINING))
    if profile != "full":
        about = remaining if remaining is not None else "the whole limit of"
        raise NotSelected(f"full profile only: costs about {about} requests and up to a minute")
    budget = (remaining if remaining is not None else 60) + 10
    if budget > MAX_SPEND:
        # The user chose the full profile: declining to spend is the suite's choice, so the
        # requirement stays in scope and unjudged (not verified), never "not selected".
        raise NotVerified(
            f"{REMAINING} is {remaining}: exhausting the window would cost about {budget} "
            f"requests, more than the {MAX_SPEND} the suite spends on it; run against a key "
            "with a smaller limit to judge it"
        )
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

"""What the target's rate limit counts: found out once per run, so the pacer spends only that.

A rate limit counts per key (Plane: per API token, in the throttle that runs after
authentication), so a request without the run's credential, or with a wrong one, is refused
before anything is counted, and costs the run nothing. A gateway that counts per client address
counts it all the same. Which one a target is, is not assumed: one keyed read, a keyless and a
wrong-key read, and a second keyed read tell it. If `X-RateLimit-Remaining` fell by exactly one
between the two keyed reads, in one window (the same `X-RateLimit-Reset`: in a sliding window a
moved reset means requests aged out, and the difference proves nothing), the other two were not
counted. Anything else, another client's traffic included, keeps every request counted: the safe
side, where the pacer at worst waits a little too early.

The finding is written into the pacer's shared budget file, which every process of the run
reads before each request (`Pacer.before_request(kind)`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import httpx

from conformance.target.pacing import WINDOW_TOLERANCE_S, parse_count, parse_reset
from conformance.target.preflight import ME_PATH

# The key kinds of TargetClient: the run's credential, another secret, none at all.
UNKEYED_KINDS = ("none", "other")
PROBE_KEY = "plc-not-a-key-0000000000000000000000"  # surely not a key any target issued


class Reader(Protocol):
    def get(self, path: str, *, key: bool | str = True, pace: bool = True) -> httpx.Response: ...


@dataclass(frozen=True)
class Counting:
    """The key kinds whose requests the target's rate limit did not count, and why we think so."""

    uncounted: tuple[str, ...]
    evidence: str

    def adaptation(self) -> dict[str, object] | None:
        """The results.json "adaptations" row (None: every request is paced as counted)."""
        if not self.uncounted:
            return None
        return {
            "operation": "requests without the run's credential (keyless, or a wrong key)",
            "route": "sent without waiting for the rate limit: the target did not count them",
            "source": "a rate limit counts per key (Plane's throttle runs after authentication)",
            "refusal": self.evidence,
        }


def discover_counting(client: Reader) -> Counting:
    """Two keyed reads around a keyless and a wrong-key one (see the module docstring)."""
    before = client.get(ME_PATH)
    # Unpaced: whether they cost anything is what is being found out.
    client.get(ME_PATH, key=False, pace=False)
    client.get(ME_PATH, key=PROBE_KEY, pace=False)
    after = client.get(ME_PATH)
    first, second = (parse_count(a.headers.get("x-ratelimit-remaining")) for a in (before, after))
    if first is None or second is None:
        return Counting((), "no X-RateLimit-Remaining on the keyed reads: nothing to go by")
    now = time.time()
    resets = [parse_reset(a.headers.get("x-ratelimit-reset"), now) for a in (before, after)]
    one_window = (
        resets[0] is not None
        and resets[1] is not None
        and abs(resets[0] - resets[1]) < WINDOW_TOLERANCE_S
    )
    fell = first - second
    if fell == 1 and one_window:
        return Counting(
            UNKEYED_KINDS,
            f"X-RateLimit-Remaining fell from {first} to {second} over two keyed reads with a "
            "keyless and a wrong-key read between them, in one window",
        )
    why = "in one window" if one_window else "the window moved between them"
    return Counting((), f"X-RateLimit-Remaining fell by {fell} over 4 reads ({why})")

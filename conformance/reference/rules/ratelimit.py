"""Per-key rate limit over fixed windows, reported on every authenticated response.

The documented window is one minute; --rate-window shortens it for the suite's own proof.

X-RateLimit-Remaining counts the requests left in the window; X-RateLimit-Reset is the window's end
in UTC epoch seconds. A request beyond the limit gets 429 with a JSON body and Retry-After.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.variations import declare_variation

HEADERS_MISSING = declare_fault(
    "ratelimit-headers-missing",
    ("RATE-001", "RATE-002", "SCHEMA-003"),
    "no rate-limit headers at all",
)
RESET_MILLIS = declare_fault(
    "ratelimit-reset-millis", ("RATE-002",), "X-RateLimit-Reset is given in milliseconds"
)
REMAINING_STATIC = declare_fault(
    "ratelimit-remaining-static", ("RATE-003",), "X-RateLimit-Remaining never decreases"
)
NEVER_429 = declare_fault(
    "ratelimit-never-429", ("RATE-004",), "requests beyond the limit are served"
)
NO_RETRY_AFTER = declare_fault(
    "ratelimit-429-no-retry-after", ("RATE-006",), "the 429 answer has no Retry-After header"
)
NEVER_RESETS = declare_fault(
    "ratelimit-never-resets", ("RATE-005",), "once spent, the limit stays spent after the reset"
)


SLIDING_WINDOW = declare_variation(
    "sliding-rate-window",
    "the rate limit counts the requests of the last window (a sliding window, as Plane's): Reset "
    "is always now + the window, and a request's count comes back a window after it",
)


@dataclass
class Decision:
    allowed: bool
    remaining: int
    reset: int  # epoch seconds when the window ends

    def headers(self, config: ServerConfig) -> list[tuple[bytes, bytes]]:
        if config.has(HEADERS_MISSING.name):
            return []
        remaining = config.rate_limit if config.has(REMAINING_STATIC.name) else self.remaining
        reset = self.reset * 1000 if config.has(RESET_MILLIS.name) else self.reset
        return [
            (b"x-ratelimit-remaining", str(remaining).encode()),
            (b"x-ratelimit-reset", str(reset).encode()),
        ]

    def retry_after(self, config: ServerConfig) -> list[tuple[bytes, bytes]]:
        if config.has(NO_RETRY_AFTER.name):
            return []
        wait = max(1, math.ceil(self.reset - time.time()))
        return [(b"retry-after", str(wait).encode())]


class RateLimiter:
    def __init__(self, config: ServerConfig) -> None:
        self._config = config
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window start, requests used)
        self._recent: dict[str, deque[float]] = {}  # key -> times of its requests (sliding)
        self._lock = threading.Lock()

    def spend(self, key: str) -> Decision:
        if self._config.varies(SLIDING_WINDOW):
            return self._slide(key)
        limit = self._config.rate_limit
        now = int(time.time())
        with self._lock:
            start, used = self._windows.get(key, (now, 0))
            window_over = now >= start + self._config.rate_window
            if window_over and not (self._config.has(NEVER_RESETS.name) and used > limit):
                start, used = now, 0
            elif window_over:
                start = now  # the faulty server moves the window on but keeps the count
            used += 1
            self._windows[key] = (start, used)
        allowed = used <= limit or self._config.has(NEVER_429.name)
        return Decision(allowed, max(0, limit - used), start + self._config.rate_window)

    def _slide(self, key: str) -> Decision:
        """The sliding window: the requests of the last `rate_window` seconds count."""
        limit, window, now = self._config.rate_limit, self._config.rate_window, time.time()
        with self._lock:
            recent = self._recent.setdefault(key, deque())
            while recent and recent[0] <= now - window:
                recent.popleft()
            allowed = len(recent) < limit or self._config.has(NEVER_429.name)
            if allowed:
                recent.append(now)
            used = len(recent)
        return Decision(allowed, max(0, limit - used), int(now + window))

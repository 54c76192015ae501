"""Stay inside the target's rate limit, across processes (pytest-xdist workers) sharing one key.

The budget lives in a small JSON file under the system temp dir, named by a hash of base URL and
credential (a rate limit counts per key or token), guarded by a file lock (see SharedState).
Before a request the pacer reserves one request of the budget, and waits for the window to reset
when only the reserve is left; after a response it folds the X-RateLimit-Remaining /
X-RateLimit-Reset headers back in. A 429 is waited out (Retry-After, else the reset) by the
client, which then retries.

A wait is announced in the same file (until when, and which header said so), so that the run's
progress display, in another thread or process, can say what the run is waiting for. The file is
removed at the end of the run by whoever started it (`remove_state`): the runner, or the plugin
on the xdist controller; the workers only share it.

The same file keeps, for the last minute and a bit, when requests carrying the key were in
flight (merged busy intervals, from each send to its answer, every process included): a sliding
window (Plane's) gives back a request's count a minute after it, so RATE-003 can tell a counter
that counts from one that does not only where nothing of the suite's own falls due (see
`quiet`). `set_aside(k)` sets k requests aside at once for such a burst.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from filelock import FileLock

from conformance.credentials import Credential

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

RESERVE = 2  # requests kept back, for what other workers have in flight
MAX_WAIT_S = 65.0  # a window is a minute; never wait longer than one window plus a margin
MARGIN_S = 0.25  # wait a little past the announced reset: clocks differ
EPOCH_THRESHOLD = 1_000_000_000  # a reset value below this is seconds-from-now, not epoch
HISTORY_S = 75.0  # busy intervals kept: a one-minute sliding window, plus margins
MERGE_GAP_S = 0.05  # busy intervals closer than this are merged (keeps the file small)
WINDOW_TOLERANCE_S = 1.5  # two resets closer than this name the same window
STATE_BYTES = 1 << 16  # the budget file never grows past this (about a thousand intervals)


def state_path_for(base_url: str, credential: Credential, directory: Path | None = None) -> Path:
    digest = hashlib.sha256(f"{base_url}\n{credential.fingerprint()}".encode()).hexdigest()[:16]
    return (directory or Path(tempfile.gettempdir())) / f"plane-conformance-pace-{digest}.json"


def parse_reset(value: str | None, now: float) -> float | None:
    """X-RateLimit-Reset as an absolute epoch time (the docs say epoch seconds)."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    if number is None:
        return None
    return number if number >= EPOCH_THRESHOLD else now + number


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds to wait (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def parse_count(value: str | None) -> int | None:
    """A rate-limit count header (X-RateLimit-Remaining), or None when absent or not a number."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


Interval = tuple[float, float]


@dataclass
class Budget:
    remaining: int | None = None  # None: unknown (no header seen in this window)
    reset: float | None = None  # epoch seconds
    wait_until: float | None = None  # a pacer is waiting until then (epoch seconds)...
    wait_reason: str | None = None  # ...because of this header
    busy: list[Interval] = field(default_factory=list)  # requests in flight, sorted, merged


# What a wait forced by the target names (the header it obeys); any other reason is the suite's.
RATE_LIMIT_REASONS = ("X-RateLimit-Reset", "Retry-After", "a 429 without Retry-After")


@dataclass(frozen=True)
class Wait:
    """A wait in progress, as announced in the budget file."""

    until: float
    reason: str

    def describe(self, now: float) -> str:
        left = max(0.0, self.until - now)
        if self.reason in RATE_LIMIT_REASONS:
            return f"waiting {left:.0f} s for the rate limit ({self.reason})"
        return f"waiting {left:.0f} s: {self.reason}"  # a wait the suite chose, with its why


def announced_wait(state_path: Path, now: float | None = None) -> Wait | None:
    """The wait a pacer of this run is in, if any (read without the lock: a torn read is None)."""
    try:
        data = json.loads(state_path.read_bytes())
        until, reason = data.get("wait_until"), data.get("wait_reason")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(until, int | float) or until <= (now if now is not None else time.time()):
        return None
    return Wait(float(until), str(reason or "X-RateLimit-Reset"))


def remove_state(state_path: Path) -> None:
    """Delete the budget file (and the lock file used where there is no flock)."""
    for path in (state_path, Path(str(state_path) + ".lock")):
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError:  # another process's file, or a read-only temp dir: not ours to force
            pass


def merge_busy(busy: list[Interval], start: float, end: float, keep_from: float) -> list[Interval]:
    """`busy` with [start, end] added (merged with what it touches), nothing older kept."""
    merged: list[Interval] = []
    for low, high in sorted([*busy, (start, end)]):
        if high < keep_from:
            continue
        if merged and low <= merged[-1][1] + MERGE_GAP_S:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def is_quiet(busy: list[Interval], start: float, end: float) -> bool:
    """Whether no request was in flight at any time within (start, end)."""
    return all(high <= start or low >= end for low, high in busy)


def next_quiet(busy: list[Interval], earliest: float, latest: float, span: float) -> float | None:
    """The first time t in [earliest, latest] with nothing in flight in (t, t + span)."""
    candidate = earliest
    for low, high in sorted(busy):
        if candidate > latest:
            return None
        if high <= candidate:
            continue
        if low >= candidate + span:
            return candidate
        candidate = max(candidate, high)
    return candidate if candidate <= latest else None


class SharedState:
    """The budget file, read and written under an exclusive lock shared by every process.

    On POSIX the file is held open and locked with a blocking flock(): a waiting worker wakes the
    moment the lock is free, and a locked read-modify-write is three system calls. (filelock
    polls a contended lock every 50 ms and reopens files each time, which made two xdist workers
    slower than one against a fast target.) Elsewhere filelock and whole-file reads are used.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        # filelock only where there is no fcntl (Windows)
        self._fallback: FileLock | None = (
            None if fcntl is not None else FileLock(str(path) + ".lock")
        )

    @contextmanager
    def locked(self) -> Iterator[None]:
        if self._fallback is not None:
            with self._fallback:
                yield
            return
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def read(self) -> bytes:
        if self._fd is None:
            return self.path.read_bytes()
        return os.pread(self._fd, STATE_BYTES, 0)

    def write(self, data: bytes) -> None:
        if self._fd is None:
            self.path.write_bytes(data)
            return
        os.pwrite(self._fd, data, 0)
        os.ftruncate(self._fd, len(data))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass
class _Shared:
    """The whole budget file, decoded: the budget, and what every write carries over."""

    budget: Budget
    since: float | None = None  # when this run's shared history began (its first write)
    uncounted: list[str] = field(default_factory=list)  # key kinds the target does not count


def _decode(raw: bytes) -> _Shared:
    """The budget file's bytes; a missing, torn or foreign file is an empty budget."""
    try:
        data = json.loads(raw)
        busy = [(float(low), float(high)) for low, high in data.get("busy", [])]
        budget = Budget(
            remaining=data.get("remaining"),
            reset=data.get("reset"),
            wait_until=data.get("wait_until"),
            wait_reason=data.get("wait_reason"),
            busy=busy,
        )
    except (ValueError, AttributeError, TypeError):
        return _Shared(Budget())
    since, kinds = data.get("since"), data.get("uncounted")
    return _Shared(
        budget,
        float(since) if isinstance(since, int | float) else None,
        [str(kind) for kind in kinds] if isinstance(kinds, list) else [],
    )


class Pacer:
    def __init__(
        self,
        state_path: Path,
        *,
        reserve: int = RESERVE,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.reserve = reserve
        self.clock = clock
        self.sleep = sleep
        self._state = SharedState(state_path)
        self.waited_s = 0.0  # total time this pacer spent waiting (reported in the summary)
        # The file's bytes as this process last read or wrote them, decoded: a request's locked
        # step decodes the file only when another process has written it since (every request
        # passes here twice, and the file holds up to a minute of busy intervals).
        self._seen: tuple[bytes, _Shared] | None = None

    def _load(self) -> _Shared:
        """The file, under the lock (a fresh copy: the caller may change it)."""
        try:
            raw = self._state.read()
        except OSError:
            return _Shared(Budget())
        if self._seen is None or self._seen[0] != raw:
            self._seen = (raw, _decode(raw))
        shared = self._seen[1]
        return replace(shared, budget=replace(shared.budget, busy=list(shared.budget.busy)))

    def _read(self) -> Budget:
        return self._load().budget

    def learn_uncounted(self, kinds: tuple[str, ...]) -> None:
        """Requests of these key kinds are not counted by the target: never paced from now on."""
        with self._state.locked():
            shared = self._load()
            shared.uncounted = list(kinds)
            self._store(shared)

    def history_since(self) -> float:
        """Since when `busy()` knows every request of this run: before it, nothing is known."""
        with self._state.locked():
            since = self._load().since
        return since if since is not None else self.clock()

    def _write(self, shared: _Shared, budget: Budget) -> None:
        """Under the lock: `budget` into the file, with what `shared` (the file as read) carries."""
        self._store(replace(shared, budget=budget))

    def _store(self, shared: _Shared) -> None:
        budget, busy = shared.budget, shared.budget.busy
        since = shared.since if shared.since is not None else self.clock()
        data: dict[str, object] = {
            "remaining": budget.remaining,
            "reset": budget.reset,
            "since": since,
            "uncounted": shared.uncounted,
        }
        if budget.wait_until is not None:
            data.update(wait_until=budget.wait_until, wait_reason=budget.wait_reason)
        encoded = json.dumps({**data, "busy": busy}).encode()
        while len(encoded) > STATE_BYTES and busy:  # never torn on read: drop the oldest
            busy = busy[len(busy) // 4 + 1 :]
            encoded = json.dumps({**data, "busy": busy}).encode()
        if self._seen is not None and self._seen[0] == encoded:
            return  # nothing changed
        self._state.write(encoded)
        kept = replace(budget, busy=list(busy))
        self._seen = (encoded, replace(shared, budget=kept, since=since))

    def _wait(self, seconds: float) -> None:
        seconds = min(max(seconds, 0.0), MAX_WAIT_S)
        if seconds > 0:
            self.waited_s += seconds
            self.sleep(seconds)

    def before_request(self, kind: str = "configured") -> None:
        """Reserve one request; wait for the reset first when only the reserve is left. A
        request of a key kind the target does not count (`learn_uncounted`) reserves nothing.

        The wait happens while holding the lock on purpose: every other worker would have to
        wait for the same reset anyway, and this way they do not all wake up at once.
        """
        with self._state.locked():
            shared = self._load()
            if kind in shared.uncounted:
                return
            self._write(shared, self._take(shared, self.clock(), 1))

    def _take(self, shared: _Shared, now: float, count: int) -> Budget:
        """The budget after `count` requests are set aside (waiting for the reset first when
        that would leave less than the reserve); called under the lock."""
        budget = shared.budget
        if budget.reset is not None and now >= budget.reset:
            # The window has reset; the next response tells the new budget.
            budget = Budget(busy=budget.busy)
        if budget.remaining is not None and budget.remaining - count < self.reserve:
            seconds = min(max((budget.reset or now) - now + MARGIN_S, 0.0), MAX_WAIT_S)
            # Announced before the sleep, for the progress display of the run.
            self._write(shared, Budget(budget.remaining, budget.reset, now + seconds,
                                       "X-RateLimit-Reset", budget.busy))  # fmt: skip
            self._wait(seconds)
            budget = Budget(busy=budget.busy)
        if budget.remaining is not None:
            budget.remaining -= count
        return budget

    def set_aside(self, count: int) -> None:
        """Set `count` requests aside at once (to be sent unpaced, back to back), waiting for the
        reset first when the budget would fall below the reserve."""
        with self._state.locked():
            shared = self._load()
            self._write(shared, self._take(shared, self.clock(), count))

    def after_response(self, headers: Mapping[str, str], sent_at: float | None = None) -> None:
        """Fold the rate-limit headers of a response into the shared budget; `sent_at` (for a
        request carrying the key) records the request as in flight from then until now."""
        remaining = parse_count(headers.get("x-ratelimit-remaining"))
        if remaining is None and sent_at is None:
            return
        received = self.clock()  # before the lock: another process may hold it for long
        with self._state.locked():
            shared = self._load()
            budget = shared.budget
            now = self.clock()
            if sent_at is not None:
                budget.busy = merge_busy(budget.busy, sent_at, received, now - HISTORY_S)
            if remaining is None:
                self._write(shared, budget)
                return
            reset = parse_reset(headers.get("x-ratelimit-reset"), now)
            same_window = (
                budget.reset is not None
                and reset is not None
                and abs(budget.reset - reset) < WINDOW_TOLERANCE_S
            )
            if same_window and budget.remaining is not None:
                # Responses of several workers arrive out of order: trust the lowest count.
                remaining = min(remaining, budget.remaining)
            self._write(
                shared,
                Budget(
                    remaining=remaining,
                    reset=reset if reset is not None else budget.reset,
                    wait_until=budget.wait_until,  # another process may be waiting out a 429
                    wait_reason=budget.wait_reason,
                    busy=budget.busy,
                ),
            )

    def on_429(self, headers: Mapping[str, str]) -> float:
        """Mark the budget exhausted and return how long to wait before retrying."""
        now = self.clock()
        reset = parse_reset(headers.get("x-ratelimit-reset"), now)
        wait = parse_retry_after(headers.get("retry-after"), now)
        reason = "Retry-After"
        if wait is None:
            wait = (reset - now) if reset is not None else 1.0
            reason = "X-RateLimit-Reset" if reset is not None else "a 429 without Retry-After"
        seconds = min(max(wait, 0.0) + MARGIN_S, MAX_WAIT_S)
        with self._state.locked():
            shared = self._load()
            self._write(shared, Budget(remaining=0, reset=now + wait, wait_until=now + seconds,
                                       wait_reason=reason, busy=shared.budget.busy))  # fmt: skip
        return max(wait, 0.0) + MARGIN_S

    def wait(self, seconds: float, why: str | None = None) -> None:
        """Sleep `seconds`. A wait the suite chooses says `why`: it is announced in the budget
        file like a rate-limit wait, so the progress display shows it with its reason."""
        if why is None:
            self._wait(seconds)
            return
        with self._state.locked():
            self._announce(seconds, why)
        try:
            self._wait(seconds)
        finally:
            with self._state.locked():
                self._announce_over(why)

    def _announce(self, seconds: float, why: str) -> None:
        """Under the lock: this process waits `seconds` because of `why`."""
        until = self.clock() + min(max(seconds, 0.0), MAX_WAIT_S)
        shared = self._load()
        self._write(shared, replace(shared.budget, wait_until=until, wait_reason=why))

    def _announce_over(self, why: str) -> None:
        """Under the lock: the wait `why` is over (unless another has been announced since)."""
        shared = self._load()
        if shared.budget.wait_reason == why:
            self._write(shared, replace(shared.budget, wait_until=None, wait_reason=None))

    def busy(self) -> list[Interval]:
        """When requests carrying the key were in flight, over the last minute and a bit."""
        with self._state.locked():
            return list(self._read().busy)

    def hold(self, seconds: float, why: str | None = None) -> None:
        """Keep every paced request of every process waiting for `seconds` (a quiet moment),
        announced with `why` when given (see `wait`)."""
        with self._state.locked():
            if why is not None:
                self._announce(seconds, why)
            try:
                self._wait(seconds)
            finally:
                if why is not None:
                    self._announce_over(why)

    def close(self) -> None:
        self._state.close()

"""Stay inside the target's rate limit, across processes (pytest-xdist workers) sharing one key.

The budget lives in a small JSON file under the system temp dir, named by a hash of base URL and
key, guarded by a file lock (see SharedState). Before a request the pacer reserves one request
of the budget, and waits for the window to reset when only the reserve is left; after a response
it folds the X-RateLimit-Remaining / X-RateLimit-Reset headers back in. A 429 is waited out
(Retry-After, else the reset) by the client, which then retries.

A wait is announced in the same file (until when, and which header said so), so that the run's
progress display, in another thread or process, can say what the run is waiting for. The file is
removed at the end of the run by whoever started it (`remove_state`): the runner, or the plugin
on the xdist controller; the workers only share it.
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
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

RESERVE = 2  # requests kept back, for what other workers have in flight
MAX_WAIT_S = 65.0  # a window is a minute; never wait longer than one window plus a margin
MARGIN_S = 0.25  # wait a little past the announced reset: clocks differ
EPOCH_THRESHOLD = 1_000_000_000  # a reset value below this is seconds-from-now, not epoch


def state_path_for(base_url: str, api_key: str, directory: Path | None = None) -> Path:
    digest = hashlib.sha256(f"{base_url}\n{api_key}".encode()).hexdigest()[:16]
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


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class Budget:
    remaining: int | None = None  # None: unknown (no header seen in this window)
    reset: float | None = None  # epoch seconds
    wait_until: float | None = None  # a pacer is waiting until then (epoch seconds)...
    wait_reason: str | None = None  # ...because of this header


@dataclass(frozen=True)
class Wait:
    """A wait in progress, as announced in the budget file."""

    until: float
    reason: str

    def describe(self, now: float) -> str:
        return f"waiting {max(0.0, self.until - now):.0f} s for the rate limit ({self.reason})"


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
        return os.pread(self._fd, 4096, 0)

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

    def _read(self) -> Budget:
        try:
            data = json.loads(self._state.read())
            return Budget(
                remaining=data.get("remaining"),
                reset=data.get("reset"),
                wait_until=data.get("wait_until"),
                wait_reason=data.get("wait_reason"),
            )
        except (OSError, ValueError, AttributeError):  # missing, empty, torn or foreign content
            return Budget()

    def _write(self, budget: Budget) -> None:
        data: dict[str, object] = {"remaining": budget.remaining, "reset": budget.reset}
        if budget.wait_until is not None:
            data.update(wait_until=budget.wait_until, wait_reason=budget.wait_reason)
        self._state.write(json.dumps(data).encode())

    def _wait(self, seconds: float) -> None:
        seconds = min(max(seconds, 0.0), MAX_WAIT_S)
        if seconds > 0:
            self.waited_s += seconds
            self.sleep(seconds)

    def before_request(self) -> None:
        """Reserve one request; wait for the reset first when only the reserve is left.

        The wait happens while holding the lock on purpose: every other worker would have to
        wait for the same reset anyway, and this way they do not all wake up at once.
        """
        with self._state.locked():
            budget = self._read()
            now = self.clock()
            if budget.reset is not None and now >= budget.reset:
                budget = Budget()  # the window has reset; the next response tells the new budget
            if budget.remaining is not None and budget.remaining <= self.reserve:
                seconds = min(max((budget.reset or now) - now + MARGIN_S, 0.0), MAX_WAIT_S)
                # Announced before the sleep, for the progress display of the run.
                self._write(Budget(budget.remaining, budget.reset, now + seconds,
                                   "X-RateLimit-Reset"))  # fmt: skip
                self._wait(seconds)
                budget = Budget()
            if budget.remaining is not None:
                budget.remaining -= 1
            self._write(budget)

    def after_response(self, headers: Mapping[str, str]) -> None:
        """Fold the rate-limit headers of a response into the shared budget."""
        remaining = _int(headers.get("x-ratelimit-remaining"))
        if remaining is None:
            return
        with self._state.locked():
            budget = self._read()
            now = self.clock()
            reset = parse_reset(headers.get("x-ratelimit-reset"), now)
            same_window = (
                budget.reset is not None and reset is not None and abs(budget.reset - reset) < 1.5
            )
            if same_window and budget.remaining is not None:
                # Responses of several workers arrive out of order: trust the lowest count.
                remaining = min(remaining, budget.remaining)
            self._write(
                Budget(
                    remaining=remaining,
                    reset=reset if reset is not None else budget.reset,
                    wait_until=budget.wait_until,  # another process may be waiting out a 429
                    wait_reason=budget.wait_reason,
                )
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
            self._write(Budget(remaining=0, reset=now + wait, wait_until=now + seconds,
                               wait_reason=reason))  # fmt: skip
        return max(wait, 0.0) + MARGIN_S

    def wait(self, seconds: float) -> None:
        self._wait(seconds)

    def close(self) -> None:
        self._state.close()

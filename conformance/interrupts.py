"""How a run stops when told: SIGINT (Ctrl-C) and SIGTERM (a cancelled CI job) become one stop.

The run installs handlers of its own for both signals, whatever it inherited. Two reasons:

* a program started in the background by a non-interactive shell (`plane-conformance run &` in a
  script, a CI step's helper) inherits SIGINT *ignored*, and Python then installs no
  KeyboardInterrupt handler at all: `kill -INT` did nothing and the run went on to "Conforms ...
  (exit 0)";
* SIGTERM's default action ends the process on the spot: no cleanup, no report.

What a signal does depends on where the process is (its *mode*, a stack of context managers):

* `IMMEDIATE` (preflight, pytest's start-up and collection, inside a check): raise `Interrupted`
  (a KeyboardInterrupt, so pytest ends the session as interrupted and still runs its end);
* `DEFERRED` (the plugin's own bookkeeping, an xdist worker between checks, report writing):
  note it; it is raised when the process is back in an `IMMEDIATE` part, or read afterwards;
* `FINISHING` (cleanup): the first signal is noted and cleanup goes on; a second one raises
  `CleanupAbandoned`, and cleanup says what it left behind;
* `DELEGATING` (the xdist controller while its workers run the checks): note it and hand it on
  (`forward`): the workers stop, clean up and report, and the controller waits for them.

An xdist worker never takes a terminal's or a CI runner's group signal itself (the controller
starts its workers with SIGINT and SIGTERM blocked, `spawning_shielded`, and the worker ignores
them, `ignore_group_signals`): it is told by its controller with `FORWARDED`, once per signal the
controller got, so a second Ctrl-C abandons the workers' cleanup too and never interrupts it twice
by accident.

A leaf module: it imports nothing of the project.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from enum import Enum
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How an xdist controller tells its workers to stop (SIGINT and SIGTERM are theirs to ignore).
FORWARDED: signal.Signals | None = getattr(signal, "SIGUSR1", None)
_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


class Mode(Enum):
    IMMEDIATE = "immediate"
    DEFERRED = "deferred"
    FINISHING = "finishing"
    DELEGATING = "delegating"


class Interrupted(KeyboardInterrupt):
    """The run was told to stop (a KeyboardInterrupt: pytest ends the session as interrupted)."""


class CleanupAbandoned(Interrupted):
    """A second stop request during cleanup: what is not deleted yet is left behind."""


class Stop:
    """The stop requests one process received, and what a new one does there (its mode)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.received: list[str] = []  # signal names, in order
        self.first_at: float | None = None  # when the first one came (epoch seconds)
        self._modes: list[Mode] = [Mode.IMMEDIATE]
        self._pending = False  # a request arrived while deferred and was not raised yet
        self._forwards: list[Callable[[int], None]] = []
        self._observers: list[Callable[[], None]] = []
        self._previous: dict[int, _Handler] = {}

    # -- what was asked ------------------------------------------------------------------------
    @property
    def requested(self) -> bool:
        return bool(self.received)

    @property
    def abandons_cleanup(self) -> bool:
        """A second request: cleanup stops where it is."""
        return len(self.received) >= 2

    @property
    def signal_name(self) -> str:
        """The first request's signal ("SIGINT", "SIGTERM"; "" when none came)."""
        return self.received[0] if self.received else ""

    @property
    def mode(self) -> Mode:
        return self._modes[-1]

    # -- installing ----------------------------------------------------------------------------
    def install(self, signals: tuple[int, ...] = STOP_SIGNALS) -> None:
        """Handle `signals` here, whatever the process inherited (an ignored SIGINT included),
        and unblock them (a worker of an older controller may have them blocked)."""
        for signum in signals:
            self._previous.setdefault(signum, signal.getsignal(signum))
            signal.signal(signum, self.handle)
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signals))

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()

    @contextlib.contextmanager
    def installed(self) -> Iterator[Stop]:
        self.install()
        try:
            yield self
        finally:
            self.restore()

    @property
    def is_installed(self) -> bool:
        return bool(self._previous)

    def when_requested(self, observer: Callable[[], None]) -> None:
        """Call `observer()` on every request, whatever the mode (from the signal handler: it
        may only set a flag)."""
        self._observers.append(observer)

    def set_base(self, mode: Mode) -> None:
        """The mode outside every block (an xdist worker: DEFERRED, checks excepted)."""
        self._modes[0] = mode

    def forward_to(self, forward: Callable[[int], None]) -> None:
        """Call `forward(signum)` for every request received while `DELEGATING`."""
        self._forwards.append(forward)

    # -- the handler ---------------------------------------------------------------------------
    def handle(self, signum: int, frame: FrameType | None = None) -> None:
        self.received.append(_name(signum))
        if self.first_at is None:
            self.first_at = self.clock()
        for observer in self._observers:
            observer()
        mode = self.mode
        if mode is Mode.IMMEDIATE:
            raise Interrupted(self.signal_name)
        if mode is Mode.FINISHING:
            if self.abandons_cleanup:
                raise CleanupAbandoned(self.signal_name)
            return
        if mode is Mode.DELEGATING:
            for forward in self._forwards:
                forward(signum)
            return
        self._pending = True

    def request(self, signum: int = signal.SIGINT) -> None:
        """A stop request from inside the process (as if `signum` had come)."""
        self.handle(signum)

    # -- modes ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def entered(self, mode: Mode, *, raise_pending: bool = True) -> Iterator[None]:
        """Run the block in `mode`. Back in an IMMEDIATE part (on entering one, or on leaving
        a deferred block inside one), a request that came while deferred is raised then, unless
        `raise_pending` is False (the caller reads `requested` itself)."""
        self._modes.append(mode)
        try:
            if mode is Mode.IMMEDIATE:
                self._raise_pending()
            yield
        finally:
            self._modes.pop()
        if raise_pending and self.mode is Mode.IMMEDIATE:
            self._raise_pending()
        elif not raise_pending:
            self._pending = False

    def _raise_pending(self) -> None:
        if self._pending:
            self._pending = False
            raise Interrupted(self.signal_name)


def _name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


# -- xdist workers: the controller's to stop ---------------------------------------------------


@contextlib.contextmanager
def spawning_shielded() -> Iterator[None]:
    """Start child processes with SIGINT and SIGTERM blocked (the mask is inherited through
    exec): a group signal that reaches them before they set their own dispositions stays
    pending, and `ignore_group_signals` then drops it. The parent's own requests that arrive
    meanwhile are delivered when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def ignore_group_signals() -> None:
    """In an xdist worker: SIGINT and SIGTERM sent to the whole group are the controller's to
    act on; the worker is told by `FORWARDED`."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(STOP_SIGNALS))


_PROCESS_STOP: Stop | None = None


def process_stop() -> Stop:
    """The one `Stop` of this process (signals are per process): the runner's, the plugin's."""
    global _PROCESS_STOP
    if _PROCESS_STOP is None:
        _PROCESS_STOP = Stop()
    return _PROCESS_STOP


def new_process_stop() -> Stop:
    """A fresh `Stop` for a new run in this process (nothing received yet)."""
    global _PROCESS_STOP
    if _PROCESS_STOP is not None:
        _PROCESS_STOP.restore()
    _PROCESS_STOP = Stop()
    return _PROCESS_STOP

"""The typed report sections beyond the verdicts that a run writes once, whole: the run's context
(`RunExtra.run`), the drift of its response shapes (`RunExtra.shape_drift`) and what applying a
baseline did (`RunResult.baseline`). Plain data, re-exported by `conformance.report.model`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class EmbeddedServer:
    """The reference server a run started itself (no --target), as it was configured."""

    arguments: list[str] = field(default_factory=list)  # its options as `run` took them
    faults: list[str] = field(default_factory=list)
    behaviours: list[str] = field(default_factory=list)  # Plane's ways, when not the default
    variations: list[str] = field(default_factory=list)


@dataclass
class RunContext:
    """What ran, so that a report says it and a reader can run it again (`RunExtra.run`)."""

    command: str  # `plane-conformance run ...`, a secret as its placeholder ("$PLANE_API_KEY")
    target_kind: Literal["embedded", "external"]
    embedded: EmbeddedServer | None = None  # the embedded server's configuration
    environment: list[str] = field(default_factory=list)  # variables settings were read from
    budget: str | None = None  # what the run was allowed to spend (--budget); None: no budget


@dataclass
class OperationDrift:
    """What changed in one response of one operation, from the recorded release's shape."""

    operation: str  # "GET /api/v1/.../labels/"
    status: int
    changes: list[str] = field(default_factory=list)  # one line per field: "name: type changed..."


@dataclass
class ShapeDrift:
    """--compare-shapes: the target's response shapes against a recorded release."""

    against: str = ""  # "Plane v1.3.1"
    operations_compared: int = 0
    operations_drifting: int = 0
    drifts: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)  # every drift, one line each (first 200)
    operations: list[OperationDrift] = field(default_factory=list)  # the same, per response
    abandoned: list[str] = field(default_factory=list)  # sections the scenario could not play
    requests: int = 0
    error: str = ""  # why there is no comparison (the target stopped answering)


@dataclass
class BaselineRow:
    """A baseline entry as the run met it: accepted, or stale (it passes now)."""

    id: str
    status: str  # the status the baseline accepts
    reason: str = ""


@dataclass
class BaselineMismatch:
    """A baseline entry whose requirement ended in another status than the one accepted."""

    id: str
    expected: str
    status: str


@dataclass
class BaselineUnjudged:
    """A baseline entry whose requirement this run did not judge on what the entry accepts
    (sampled without its units, not selected): neither accepted nor stale."""

    id: str
    expected: str
    status: str
    why: str = ""


@dataclass
class BaselineOutcome:
    """What applying a baseline did (results.json `baseline`)."""

    path: str = ""
    accepted: list[BaselineRow] = field(default_factory=list)
    stale: list[BaselineRow] = field(default_factory=list)
    unjudged: list[BaselineUnjudged] = field(default_factory=list)
    mismatched: list[BaselineMismatch] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # ids that are not requirements
    fail_on_stale: bool = False

"""What crosses between pytest processes, typed: one value per direction, one key for all.

* controller -> worker (`workerinput`): `WorkerInput`, the run's resolved configuration and the
  route map the controller discovered (conformance/target/routes.py);
* test -> controller (the test report's `user_properties`, which xdist carries from a worker,
  and which the plugin reads the same way in a single process): `ItemOutcome`, the test's
  CheckResult, its ledger rows and the report sections it contributed;
* worker -> controller at its end (`workeroutput`): `WorkerReport`, the late ledger rows, counts
  and pacing figures.

Each is a dataclass that `conformance.codec` turns into plain data (`to_wire()`) and back, field
by field against its declared types (`from_wire()`); it travels under `KEY`, in all three places.
The configuration holds the credential: this is the one place a secret crosses to another
process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.codec import Wire, from_wire, to_wire
from conformance.plugin.results import PlannedCheck
from conformance.report.model import CONTRIBUTED, CheckResult, JsonObject
from conformance.target.config import TargetConfig
from conformance.target.ledger import LedgerRow
from conformance.target.routes import RouteMap

KEY = "plane_conformance"  # the one key of workerinput, user_properties and workeroutput


@dataclass(frozen=True)
class WorkerInput:
    """What the controller gives each xdist worker: whether the run is a conformance run, and
    its configuration as the controller resolved it (None when it could not be resolved: the
    worker then says why, as the controller does)."""

    active: bool
    config: TargetConfig | None
    routes: RouteMap | None = None  # the spellings the target routes, discovered once

    def to_wire(self) -> Wire:
        return to_wire(self)

    @classmethod
    def from_wire(cls, data: object) -> WorkerInput:
        return from_wire(cls, data)


@dataclass
class ItemOutcome:
    """What one test (one pytest item) sends to the controller."""

    check: CheckResult
    ledger: list[LedgerRow] = field(default_factory=list)  # the responses it received
    sections: dict[str, list[JsonObject]] = field(default_factory=dict)  # by CONTRIBUTED name
    aborted: str = ""  # the process lost the target: why

    def __post_init__(self) -> None:
        unknown = [name for name in self.sections if name not in CONTRIBUTED]
        if unknown:
            raise KeyError(f"no report section {unknown[0]!r}; the sections are {CONTRIBUTED}")

    def to_wire(self) -> Wire:
        return to_wire(self)

    @classmethod
    def from_wire(cls, data: object) -> ItemOutcome:
        return from_wire(cls, data)


@dataclass
class WorkerReport:
    """What a worker sends back when it ends (the controller adds it to its own)."""

    ledger: list[LedgerRow] = field(default_factory=list)  # what cleanup received
    aborted: str = ""
    requests_sent: int = 0
    leftovers: int = 0
    waited_s: float = 0.0  # how long its pacer waited
    paced_429s: int = 0
    planned: list[PlannedCheck] = field(default_factory=list)  # every check it collected
    left_behind: list[str] = field(default_factory=list)  # cleanup abandoned: what is left

    def to_wire(self) -> Wire:
        return to_wire(self)

    @classmethod
    def from_wire(cls, data: object) -> WorkerReport:
        return from_wire(cls, data)

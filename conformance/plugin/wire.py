"""What crosses between pytest processes, typed: one codec per direction, one key each.

* controller -> worker (`workerinput`): `WorkerInput`, the run's resolved configuration;
* test -> controller (the test report's `user_properties`, which xdist carries from a worker,
  and which the plugin reads the same way in a single process): `ItemOutcome`, the test's
  CheckResult, its ledger rows and the report sections it contributed;
* worker -> controller at its end (`workeroutput`): `WorkerReport`, the late ledger rows, counts
  and pacing figures.

Each is a dataclass with `to_wire()` (plain data, which execnet carries) and `from_wire()`; the
key it travels under is `KEY`, in all three places. The configuration holds the credential: this is
the one place a secret crosses to another process.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TypeVar, cast

from conformance.report.model import CONTRIBUTED, CheckResult, JsonObject
from conformance.target.config import TargetConfig
from conformance.target.ledger import LedgerRow

N = TypeVar("N", int, float)
KEY = "plane_conformance"  # the one key of workerinput, user_properties and workeroutput


def _mapping(data: object, what: str) -> Mapping[str, object]:
    if not isinstance(data, Mapping):
        raise TypeError(f"{what} travels as a mapping, not {type(data).__name__}")
    return cast(Mapping[str, object], data)


def _rows(data: object) -> list[LedgerRow]:
    return [LedgerRow.from_dict(dict(_mapping(row, "a ledger row"))) for row in _list(data)]


def _list(data: object) -> list[object]:
    return list(data) if isinstance(data, list | tuple) else []


@dataclass(frozen=True)
class WorkerInput:
    """What the controller gives each xdist worker: whether the run is a conformance run, and
    its configuration as the controller resolved it (None when it could not be resolved: the
    worker then says why, as the controller does)."""

    active: bool
    config: TargetConfig | None

    def to_wire(self) -> dict[str, object]:
        return {"active": self.active, "config": self.config.to_wire() if self.config else None}

    @classmethod
    def from_wire(cls, data: object) -> WorkerInput:
        fields = _mapping(data, "the worker input")
        config = fields.get("config")
        wire = _mapping(config, "the configuration") if config is not None else None
        return cls(bool(fields.get("active")), TargetConfig.from_wire(wire) if wire else None)


@dataclass
class ItemOutcome:
    """What one test sends to the controller."""

    check: CheckResult
    ledger: list[LedgerRow] = field(default_factory=list)  # the responses it received
    sections: dict[str, list[JsonObject]] = field(default_factory=dict)  # by CONTRIBUTED name
    aborted: str = ""  # the process lost the target: why

    def to_wire(self) -> dict[str, object]:
        return {
            "check": asdict(self.check),
            "ledger": [row.to_dict() for row in self.ledger],
            "sections": dict(self.sections),
            "aborted": self.aborted,
        }

    @classmethod
    def from_wire(cls, data: object) -> ItemOutcome:
        fields = _mapping(data, "a test's outcome")
        sections = _mapping(fields.get("sections", {}), "report sections")
        unknown = [name for name in sections if name not in CONTRIBUTED]
        if unknown:
            raise KeyError(f"no report section {unknown[0]!r}; the sections are {CONTRIBUTED}")
        return cls(
            check=CheckResult.from_dict(dict(_mapping(fields["check"], "a check result"))),
            ledger=_rows(fields.get("ledger")),
            sections={name: cast(list[JsonObject], _list(rows)) for name, rows in sections.items()},
            aborted=str(fields.get("aborted") or ""),
        )


@dataclass
class WorkerReport:
    """What a worker sends back when it ends (the controller adds it to its own)."""

    ledger: list[LedgerRow] = field(default_factory=list)  # what cleanup received
    aborted: str = ""
    requests_sent: int = 0
    leftovers: int = 0
    waited_s: float = 0.0  # how long its pacer waited
    paced_429s: int = 0

    def to_wire(self) -> dict[str, object]:
        return {
            "ledger": [row.to_dict() for row in self.ledger],
            "aborted": self.aborted,
            "requests_sent": self.requests_sent,
            "leftovers": self.leftovers,
            "waited_s": self.waited_s,
            "paced_429s": self.paced_429s,
        }

    @classmethod
    def from_wire(cls, data: object) -> WorkerReport:
        fields = _mapping(data, "a worker's report")
        return cls(
            ledger=_rows(fields.get("ledger")),
            aborted=str(fields.get("aborted") or ""),
            requests_sent=_number(fields.get("requests_sent"), int),
            leftovers=_number(fields.get("leftovers"), int),
            waited_s=_number(fields.get("waited_s"), float),
            paced_429s=_number(fields.get("paced_429s"), int),
        )


def _number(value: object, kind: type[N]) -> N:
    return kind(value) if isinstance(value, int | float) else kind(0)

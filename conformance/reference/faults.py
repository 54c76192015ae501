"""Fault switches: each breaks exactly one documented rule of the reference server.

A fault is declared once, beside the rule it breaks, with `declare_fault`; the declaration is the
registration. `all_faults()` imports every module of `conformance.reference` first, so a fault
declared anywhere in the package is listed, and none can be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from conformance.reference.registry import DuplicateDeclaration, Registry, import_every_module

__all__ = [
    "DuplicateFault",
    "Expectation",
    "Fault",
    "all_faults",
    "declare_fault",
    "import_every_module",
    "unknown_faults",
]

# What a run against a fault must come to (the fault matrix, conformance/proof.py, checks it):
# "flagged": exactly the declared requirements failed or warned (exit 1 for a MUST, else 0);
# "incomplete": a prerequisite refused, nothing failed, the checks that needed it blocked with
#   the server's words (exit 3), never a pass;
# "aborted": the target went away mid-run; the run stops and says so in one sentence (exit 2).
Expectation = Literal["flagged", "incomplete", "aborted"]


@dataclass(frozen=True)
class Fault:
    name: str
    requirements: tuple[str, ...]  # the catalogue ids a run against this fault must flag
    description: str
    expect: Expectation = "flagged"
    # The `run` options its proof needs beyond the fault matrix's own (an access token's run:
    # `--auth bearer`, maybe with `--token-scopes`); the harness adds them (conformance/proof.py).
    run_with: tuple[str, ...] = ()


DuplicateFault = DuplicateDeclaration
FAULTS: Registry[Fault] = Registry("fault")


def declare_fault(
    name: str,
    requirements: Iterable[str],
    description: str,
    *,
    expect: Expectation = "flagged",
    run_with: tuple[str, ...] = (),
) -> Fault:
    """Declare (and so register) a fault switch; the module's rule checks `config.has(name)`."""
    return FAULTS.declare(name, Fault(name, tuple(requirements), description, expect, run_with))


def all_faults() -> dict[str, Fault]:
    """Every fault of the reference server, by name (sorted)."""
    return FAULTS.everything()


def unknown_faults(names: Iterable[str]) -> list[str]:
    return FAULTS.unknown(names)

"""Fault switches: each breaks exactly one documented rule of the reference server.

A fault is declared once, beside the rule it breaks, with `declare_fault`; the declaration is the
registration. `all_faults()` imports every module of `conformance.reference` first, so a fault
declared anywhere in the package is listed, and none can be forgotten.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

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


class DuplicateFault(ValueError):
    """Two declarations use one fault name."""


_DECLARED: dict[str, tuple[Fault, str]] = {}  # name -> (fault, declaring module)


def declare_fault(
    name: str,
    requirements: Iterable[str],
    description: str,
    *,
    expect: Expectation = "flagged",
) -> Fault:
    """Declare (and so register) a fault switch; the module's rule checks `config.has(name)`."""
    fault = Fault(name, tuple(requirements), description, expect)
    module = str(sys._getframe(1).f_globals.get("__name__", "?"))
    known = _DECLARED.get(name)
    if known is not None and known != (fault, module):  # a re-import declares the same again
        raise DuplicateFault(f"fault {name!r} is declared in {known[1]} and in {module}")
    _DECLARED[name] = (fault, module)
    return fault


def import_every_module() -> None:
    """Import every module of the package, so that every declaration has run."""
    import conformance.reference as package

    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if not module.name.endswith(".__main__"):
            importlib.import_module(module.name)


def all_faults() -> dict[str, Fault]:
    """Every fault of the reference server, by name (sorted)."""
    import_every_module()
    return {name: _DECLARED[name][0] for name in sorted(_DECLARED)}


def unknown_faults(names: Iterable[str]) -> list[str]:
    known = all_faults()
    return [name for name in names if name not in known]

"""The registry of fault switches (name → Fault); each fault sits beside the rule it breaks."""

from __future__ import annotations

from conformance.reference import gateway, validation
from conformance.reference.fault import Fault
from conformance.reference.resources import base, containers, work_items
from conformance.reference.rules import auth, errors, fields_expand, pagination, ratelimit

__all__ = ["FAULTS", "Fault", "unknown_faults"]

_MODULES = (
    auth,
    ratelimit,
    pagination,
    fields_expand,
    errors,
    validation,
    base,
    work_items,
    containers,
    gateway,
)

FAULTS: dict[str, Fault] = {fault.name: fault for module in _MODULES for fault in module.FAULTS}


def unknown_faults(names: object) -> list[str]:
    return [name for name in names if name not in FAULTS]  # type: ignore[attr-defined]

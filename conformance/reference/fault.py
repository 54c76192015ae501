"""The `Fault` record: one switch that breaks exactly one documented rule of the reference server.

Each rule module declares its own faults next to the code they break; `faults.py` only gathers them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    requirements: tuple[str, ...]
    description: str

"""Run-time configuration of one reference server process."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from conformance.reference.variations import Variation

DEFAULT_RATE_LIMIT = 6000  # requests per minute per key: an embedded suite run never waits


def generate_api_key() -> str:
    return f"plane_api_{secrets.token_hex(16)}"


def mask_key(key: str) -> str:
    """Enough of a key to recognise it, never enough to use it."""
    if len(key) <= 12:
        return "****"
    return f"{key[:10]}…{key[-2:]}" if key.startswith("plane_api_") else f"{key[:2]}…{key[-2:]}"


@dataclass(frozen=True)
class ServerConfig:
    api_key: str = field(default_factory=generate_api_key)
    workspace: str = "conformance"
    rate_limit: int = DEFAULT_RATE_LIMIT
    # The documented window is one minute; the suite's own proof shortens it so that the
    # exhaust-and-recover checks finish in seconds.
    rate_window: int = 60
    faults: frozenset[str] = frozenset()
    db_path: str | None = None  # None: a temporary file removed at shutdown
    # Milliseconds every API answer is held back, as a target across a network would be: the
    # benchmark's stand-in for a remote target (0: answer at once).
    latency_ms: int = 0
    # Legitimate variations switched on (see variations.py): other answers the docs allow.
    variations: frozenset[str] = frozenset()

    def has(self, fault_name: str) -> bool:
        return fault_name in self.faults

    def varies(self, variation: Variation) -> bool:
        return variation.name in self.variations

"""Run-time configuration of one reference server process."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from conformance.reference.behaviours import DEFAULT_BEHAVIOURS, DOCS_ONLY, Behaviour, is_followed
from conformance.reference.variations import Variation

DEFAULT_RATE_LIMIT = 6000  # requests per minute per key: an embedded suite run never waits


def generate_api_key() -> str:
    return f"plane_api_{secrets.token_hex(16)}"


def mask_key(key: str) -> str:
    """What kind of key it is and how long, and not one character of its secret part."""
    kind = "plane_api_" if key.startswith("plane_api_") else ""
    return f"{kind}*** ({len(key)} characters)"


@dataclass(frozen=True)
class ServerConfig:
    api_key: str = field(default_factory=generate_api_key, repr=False)
    # The keys of a workspace member (role 15) and a guest (role 5); None: no such key.
    member_api_key: str | None = field(default=None, repr=False)
    guest_api_key: str | None = field(default=None, repr=False)
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
    # Plane's ways switched on: behaviour names and group names (see behaviours.py).
    behaviours: frozenset[str] = DEFAULT_BEHAVIOURS
    # Legitimate variations switched on (see variations.py): other answers the docs allow.
    variations: frozenset[str] = frozenset()

    def has(self, fault_name: str) -> bool:
        return fault_name in self.faults

    def follows(self, behaviour: Behaviour) -> bool:
        return not self.varies(DOCS_ONLY) and is_followed(behaviour, self.behaviours)

    def varies(self, variation: Variation) -> bool:
        return variation.name in self.variations

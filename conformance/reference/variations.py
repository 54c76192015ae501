"""Legitimate variations: ways of answering that the docs leave open, which the suite must accept.

A fault breaks a documented rule and must be caught; a variation keeps every rule and must pass
clean (exit 0, nothing failed, warned, blocked or not verified): an empty `next_cursor` on the last
page, timestamps to the second, a redirect on a GET without the trailing slash... Each is the
hostile-server harness's proof that a check does not demand more than the docs say
(conformance/proof.py runs the suite against each one, `plane-conformance variations` lists them).

A variation is declared once, beside the rule it varies, with `declare_variation`, and the rule
asks `config.varies(VARIATION)`; the declaration is the registration, as for faults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conformance.reference.registry import Registry


@dataclass(frozen=True)
class Variation:
    name: str
    description: str


VARIATIONS: Registry[Variation] = Registry("variation")


def declare_variation(name: str, description: str) -> Variation:
    """Declare (and so register) a variation; the module's rule checks `config.varies(it)`."""
    return VARIATIONS.declare(name, Variation(name, description))


def all_variations() -> dict[str, Variation]:
    """Every variation of the reference server, by name (sorted)."""
    return VARIATIONS.everything()


def unknown_variations(names: Iterable[str]) -> list[str]:
    return VARIATIONS.unknown(names)

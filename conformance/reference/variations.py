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

import sys
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Variation:
    name: str
    description: str


class DuplicateVariation(ValueError):
    """Two declarations use one variation name."""


_DECLARED: dict[str, tuple[Variation, str]] = {}  # name -> (variation, declaring module)


def declare_variation(name: str, description: str) -> Variation:
    """Declare (and so register) a variation; the module's rule checks `config.varies(it)`."""
    variation = Variation(name, description)
    module = str(sys._getframe(1).f_globals.get("__name__", "?"))
    known = _DECLARED.get(name)
    if known is not None and known != (variation, module):
        raise DuplicateVariation(f"variation {name!r} is declared in {known[1]} and in {module}")
    _DECLARED[name] = (variation, module)
    return variation


def all_variations() -> dict[str, Variation]:
    """Every variation of the reference server, by name (sorted)."""
    from conformance.reference.faults import import_every_module

    import_every_module()
    return {name: _DECLARED[name][0] for name in sorted(_DECLARED)}


def unknown_variations(names: Iterable[str]) -> list[str]:
    known = all_variations()
    return [name for name in names if name not in known]

"""Behaviours: Plane's own ways that the reference server can take on, in two groups.

- `plane-rules`: Plane's rules where the docs leave room (project names of letters, digits and
  spaces; cycles, modules and intake off on a new project until switched on; a state create
  answering 200, as its docs page documents). A careful client copes with them, so the suite must;
  they are the reference server's default (the `docs-only` variation turns them off).
- `plane-1.3.1`: where real Plane v1.3.1 departs from the docs (a cycle create refused without an
  undocumented `project_id`, a single object where the docs show a page, ...). The reference
  follows the docs by default; `--plane-1.3.1` turns on these and the `plane-rules` group, for a
  client that wants a local stand-in that answers exactly as Plane v1.3.1 does.

A behaviour is declared once, beside the rule it changes, with `declare_behaviour`, as faults
are; the list and its reasons are in docs/reference-vs-plane.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from conformance.options import option
from conformance.reference.registry import Registry
from conformance.reference.variations import declare_variation

PLANE_RULES = "plane-rules"
PLANE_1_3_1 = "plane-1.3.1"
GROUPS = (PLANE_RULES, PLANE_1_3_1)

# What the server follows when nothing is said: Plane's rules where the docs leave room, so that
# every run of the suite on the embedded server proves it copes with them (issue 13).
DEFAULT_BEHAVIOURS: frozenset[str] = frozenset({PLANE_RULES})


# A legitimate variation of its own (the harness proves it passes clean): the server follows none
# of Plane's own ways, only what the docs say (any project name, features on, 201 for creates).
DOCS_ONLY = declare_variation(
    "docs-only",
    "none of Plane's own rules where the docs leave room: any project name, cycles/modules/intake "
    "on in a new project, 201 for every create",
)


@dataclass(frozen=True)
class Behaviour:
    name: str
    group: str  # PLANE_RULES or PLANE_1_3_1
    description: str


BEHAVIOURS: Registry[Behaviour] = Registry("behaviour")


def declare_behaviour(name: str, group: str, description: str) -> Behaviour:
    """Declare (and so register) a behaviour; the module's rule asks `config.follows(it)`."""
    if group not in GROUPS:
        raise ValueError(f"unknown behaviour group {group!r}")
    return BEHAVIOURS.declare(name, Behaviour(name, group, description))


def is_followed(behaviour: Behaviour, switched_on: frozenset[str]) -> bool:
    """On by its own name or its group's; `plane-1.3.1` includes the `plane-rules` group."""
    groups = {behaviour.group}
    if behaviour.group == PLANE_RULES:
        groups.add(PLANE_1_3_1)
    return behaviour.name in switched_on or bool(groups & switched_on)


def all_behaviours() -> dict[str, Behaviour]:
    """Every behaviour of the reference server, by name (sorted)."""
    return BEHAVIOURS.everything()


def unknown_behaviours(names: Iterable[str]) -> list[str]:
    return BEHAVIOURS.unknown(names, also=GROUPS)


def chosen_behaviours(given: Mapping[str, object]) -> frozenset[str]:
    """--docs-only starts from none (else from the default), then --plane-rules, --plane-1.3.1
    and each --behaviour NAME are added (`given`: the values of BEHAVIOUR_OPTIONS, by name)."""
    chosen = set() if given.get("docs_only") else set(DEFAULT_BEHAVIOURS)
    if given.get("plane_rules"):
        chosen.add(PLANE_RULES)
    if given.get("plane_1_3_1"):
        chosen.add(PLANE_1_3_1)
    named = given.get("behaviour") or ()
    if isinstance(named, Iterable) and not isinstance(named, str):
        chosen.update(str(name) for name in named)
    named = chosen - set(GROUPS)  # (the registry imports the whole package: only if needed)
    unknown = unknown_behaviours(named) if named else []
    if unknown:
        raise ValueError(
            f"unknown behaviour(s): {', '.join(unknown)} (see docs/reference-vs-plane.md)"
        )
    return frozenset(chosen)


def behaviour_arguments(chosen: object) -> list[str]:
    """The options that choose exactly `chosen` (for the launcher's command line)."""
    names = sorted(str(name) for name in chosen) if isinstance(chosen, Iterable) else []
    return ["--docs-only", *(part for name in names for part in ("--behaviour", name))]


# The options that choose which of Plane's ways the server follows (`ServerConfig.behaviours`).
BEHAVIOUR_OPTIONS = (
    option(
        "--plane-rules", kind="switch", embedded=True,
        help="Plane's rules where the docs leave room (project names, features off until "
        "switched on, state create 200)",
    ),
    option(
        "--plane-1.3.1", kind="switch", embedded=True,
        help="answer as real Plane v1.3.1 does, also where it departs from the docs",
    ),
    option(
        "--behaviour", kind="repeat", embedded=True, metavar="NAME",
        help="one behaviour by name (repeatable)",
    ),
    option(
        "--docs-only", kind="switch", embedded=True,
        help="start from no behaviour, not the default",
    ),
)  # fmt: skip

"""Behaviours: Plane's own ways that the reference server can take on, each tied to the Plane
releases that have it.

A behaviour is one of two kinds:

- a *rule* (`RULE`): Plane's way where the docs leave room (project names of letters, digits and
  spaces; cycles, modules and intake off on a new project until switched on; a state create
  answering 200, as its docs page documents). A careful client copes with them, so the suite
  must; the rules are the reference server's default (group `plane-rules`; the `docs-only`
  variation turns them off);
- a *departure* (`DEPARTURE`): where a release departs from the docs (a cycle create refused
  without an undocumented `project_id`, an invalid key answered 403, pages of 1000, ...). The
  reference follows the docs unless asked for the release.

Every behaviour names the set of releases that behave so (`releases`): one shared by several
releases is declared once and belongs to each. The group `plane-VERSION` (`--plane-VERSION`) is
every behaviour of that release, rules and departures alike, and only those: the server then
answers as that release does, as far as the suite has observed it. Routing differences of the
older releases (v1.0.0 knows work items only as `issues/`, ...) are behaviours too.

A behaviour is declared once, beside the rule it changes, with `declare_behaviour`, as faults
are; the list and its reasons are in docs/reference-vs-plane.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from conformance.options import option
from conformance.reference.registry import Registry
from conformance.reference.variations import declare_variation

# The Plane releases the suite has observed (the kit in ../shared/realplane), newest first.
RELEASES = ("1.3.1", "1.2.3", "1.0.0")
ALL_RELEASES = frozenset(RELEASES)
SINCE_1_2_3 = frozenset({"1.2.3", "1.3.1"})
ONLY_1_3_1 = frozenset({"1.3.1"})
BEFORE_1_3_1 = frozenset({"1.0.0", "1.2.3"})
ONLY_1_2_3 = frozenset({"1.2.3"})
ONLY_1_0_0 = frozenset({"1.0.0"})

RULE = "rule"
DEPARTURE = "departure"
KINDS = (RULE, DEPARTURE)

PLANE_RULES = "plane-rules"


def release_group(release: str) -> str:
    """The group of one release's behaviours: `plane-1.3.1`."""
    return f"plane-{release}"


PLANE_1_3_1, PLANE_1_2_3, PLANE_1_0_0 = (release_group(release) for release in RELEASES)
RELEASE_GROUPS = tuple(release_group(release) for release in RELEASES)
GROUPS = (PLANE_RULES, *RELEASE_GROUPS)

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
    kind: str  # RULE or DEPARTURE
    description: str
    releases: frozenset[str]  # the Plane releases that behave so

    @property
    def groups(self) -> frozenset[str]:
        """The groups that switch it on: its releases', and `plane-rules` for a rule."""
        groups = {release_group(release) for release in self.releases}
        if self.kind == RULE:
            groups.add(PLANE_RULES)
        return frozenset(groups)


BEHAVIOURS: Registry[Behaviour] = Registry("behaviour")


def declare_behaviour(
    name: str, kind: str, description: str, *, releases: frozenset[str]
) -> Behaviour:
    """Declare (and so register) a behaviour; the module's rule asks `config.follows(it)`."""
    if kind not in KINDS:
        raise ValueError(f"unknown behaviour kind {kind!r}")
    if not releases or not releases <= ALL_RELEASES:
        raise ValueError(f"behaviour {name!r}: releases must be some of {', '.join(RELEASES)}")
    return BEHAVIOURS.declare(name, Behaviour(name, kind, description, releases))


def is_followed(behaviour: Behaviour, switched_on: frozenset[str]) -> bool:
    """On by its own name or by one of its groups."""
    return behaviour.name in switched_on or bool(behaviour.groups & switched_on)


def all_behaviours() -> dict[str, Behaviour]:
    """Every behaviour of the reference server, by name (sorted)."""
    return BEHAVIOURS.everything()


def release_behaviours(release: str) -> dict[str, Behaviour]:
    """The behaviours of one release (what `--plane-RELEASE` switches on), by name."""
    return {name: b for name, b in all_behaviours().items() if release in b.releases}


def unknown_behaviours(names: Iterable[str]) -> list[str]:
    return BEHAVIOURS.unknown(names, also=GROUPS)


def release_option_name(release: str) -> str:
    """The name of `--plane-RELEASE`'s value: "plane_1_3_1"."""
    return f"plane_{release.replace('.', '_')}"


def chosen_behaviours(given: Mapping[str, object]) -> frozenset[str]:
    """A release (`--plane-VERSION`) or --docs-only starts from none, else from the default;
    then --plane-rules and each --behaviour NAME are added (`given`: the values of
    BEHAVIOUR_OPTIONS, by name)."""
    releases = [r for r in RELEASES if given.get(release_option_name(r))]
    if len(releases) > 1:
        raise ValueError(
            f"choose one release: {' and '.join(f'--plane-{r}' for r in releases)} were given"
        )
    start_empty = bool(given.get("docs_only")) or bool(releases)
    chosen = set() if start_empty else set(DEFAULT_BEHAVIOURS)
    chosen.update(release_group(release) for release in releases)
    if given.get("plane_rules"):
        chosen.add(PLANE_RULES)
    named = given.get("behaviour") or ()
    if isinstance(named, Iterable) and not isinstance(named, str):
        chosen.update(str(name) for name in named)
    by_name = chosen - set(GROUPS)  # (the registry imports the whole package: only if needed)
    unknown = unknown_behaviours(by_name) if by_name else []
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
    *(
        option(
            f"--plane-{release}", name=release_option_name(release), kind="switch",
            embedded=True,
            help=f"answer as real Plane v{release} does, also where it departs from the docs "
            "(its behaviours only, not the default rules it lacks)",
        )
        for release in RELEASES
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

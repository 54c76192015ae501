"""The route map: which spelling of a documented path the target routes, found once per run.

The docs give every work-item path as `work-items/...`. Plane's URL configuration also routes an
older spelling, `issues/...` (attachments at `issues/{id}/issue-attachments/`): the suite's spec
carries it as aliases of the documented operations (`x-alias-of`, made from `legacy_aliases` in
specs/overlay.yaml), though no docs page documents it. Plane v1.0.0 routes only that spelling.

Discovery (`discover_routes`, once per run, on the xdist controller before the workers start;
they get the map in their workerinput): how the target answers a surely-unrouted URL (two URLs,
without and with the key), then one GET per *spelling family* (the aliased operations whose
spellings differ in the same segments, in the same scope) in each spelling: without the key
where the target routes before it authenticates (a routed operation asks for the key before it
reads anything), else with the key on random ids (a read, harmless). That is 4 + 2 x families
requests (10 with the current spec).

Application (`RouteMap.spelling`, called by `TargetClient.request` on every path): where the
documented spelling of a family is absent and the older one served, a path of that family is
sent in the older spelling, so checks keep writing documented paths and the ledger and evidence
show the path actually sent. The absence itself is CAP-001's to judge, once (its probes send the
documented path as written: `as_written=True`). The adaptation is listed in results.json
("adaptations"); the routing of both spellings goes there as information ("routes"): the older
spelling is nothing the docs require.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import httpx

from conformance.spec.openapi import operations
from conformance.target.unrouted import Probe, Unrouted, classify, fill_path, nowhere_paths

PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Spelling:
    """One documented path template and its older spelling."""

    documented: str
    legacy: str
    family: str

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        parts = re.split(r"\{[^}]+\}", self.documented)
        return re.compile("^" + "[^/]+".join(map(re.escape, parts)) + "$")

    @functools.cached_property
    def changed(self) -> tuple[tuple[int, str], ...]:
        """(segment index, older segment) wherever the two spellings differ."""
        pairs = zip(self.documented.split("/"), self.legacy.split("/"), strict=True)
        return tuple((i, old) for i, (new, old) in enumerate(pairs) if new != old)


def _family_of(documented: str, legacy: str) -> str:
    """A family's name: what changes, and where ("work-items/ -> issues/ in a project")."""
    pairs = zip(documented.split("/"), legacy.split("/"), strict=True)
    changes = ", ".join(f"{new}/ -> {old}/" for new, old in pairs if new != old)
    scope = "in a project" if "/projects/{project_id}/" in documented else "in the workspace"
    return f"{changes} {scope}"


@functools.cache
def spellings() -> tuple[Spelling, ...]:
    """Every documented path the spec knows an older spelling of."""
    by_id = {op.operation_id: op for op in operations()}
    found: dict[str, Spelling] = {}
    for alias in operations():
        documented = by_id.get(alias.alias_of or "")
        if documented is None or documented.path.count("/") != alias.path.count("/"):
            continue
        family = _family_of(documented.path, alias.path)
        found.setdefault(documented.path, Spelling(documented.path, alias.path, family))
    return tuple(found.values())


def _representatives() -> dict[str, Spelling]:
    """One GET per family, the one with the fewest path parameters (the cheapest to fill)."""
    gets = {op.path for op in operations() if op.method == "GET"}
    chosen: dict[str, Spelling] = {}
    for spelling in spellings():
        if spelling.documented not in gets:
            continue
        best = chosen.get(spelling.family)
        if best is None or _weight(spelling) < _weight(best):
            chosen[spelling.family] = spelling
    return chosen


def _weight(spelling: Spelling) -> tuple[int, int]:
    return len(PARAM.findall(spelling.documented)), len(spelling.documented)


@dataclass(frozen=True)
class FamilyRoute:
    """How the target routes one spelling family: the probe of each spelling."""

    family: str
    documented: str  # the documented template probed
    legacy: str  # its older spelling
    documented_status: str  # served | absent | plan-gated | unknown
    documented_detail: str
    legacy_status: str
    legacy_detail: str

    @property
    def adapted(self) -> bool:
        """The documented spelling is absent and the older one served: send the older one."""
        return self.documented_status == "absent" and self.legacy_status == "served"


class RouteMap:
    """What `discover_routes` found; without discovery, every path goes as written."""

    def __init__(
        self,
        families: Iterable[FamilyRoute] = (),
        *,
        keyless: Unrouted | None = None,
        keyed: Unrouted | None = None,
    ) -> None:
        self.families = tuple(families)
        self.keyless = keyless  # the unrouted answers without the key (None: not asked)
        self.keyed = keyed  # and with the key
        adapted = {route.family for route in self.families if route.adapted}
        self._rewrites = tuple(s for s in spellings() if s.family in adapted)

    @property
    def routes_before_auth(self) -> bool:
        """Whether the target routes before it authenticates (keyless probes can tell)."""
        return self.keyless is not None and self.keyless.all_404

    def spelling(self, path: str) -> str:
        """`path` as this target routes it: the older spelling where only that one is routed."""
        if not self._rewrites:
            return path
        bare, mark, query = path.partition("?")
        slashed = bare if bare.endswith("/") else bare + "/"
        for spelling in self._rewrites:
            if spelling.pattern.match(slashed):
                segments = slashed.split("/")
                for index, older in spelling.changed:
                    segments[index] = older
                routed = "/".join(segments)
                routed = routed if bare.endswith("/") else routed.rstrip("/")
                return routed + mark + query
        return path

    def family_of(self, path: str) -> FamilyRoute | None:
        """How the target routes the family of a documented path (concrete or template)."""
        slashed = path.partition("?")[0].rstrip("/") + "/"
        concrete = PARAM.sub("x", slashed)
        spelling = next((s for s in spellings() if s.pattern.match(concrete)), None)
        if spelling is None:
            return None
        return next((r for r in self.families if r.family == spelling.family), None)

    def looks_unrouted(self, response: httpx.Response, *, keyless: bool = False) -> bool:
        """Whether `response` is this target's answer to a URL it does not route (a 404 like
        the surely-unrouted URLs', path aside); False when that cannot be told."""
        unrouted = self.keyless if keyless else self.keyed
        return (
            response.status_code == 404 and unrouted is not None and unrouted.looks_like(response)
        )

    def adaptations(self) -> list[dict[str, object]]:
        """One row per adapted family, for results.json "adaptations"."""
        return [
            {
                "operation": f"every documented path of the family {route.family} "
                f"(probed: GET {route.documented})",
                "route": f"sent in the older spelling, e.g. GET {route.legacy}",
                "source": "the older spelling Plane's URL configuration keeps (no docs page "
                "documents it); the absent documented operations are judged by CAP-001",
                "refusal": f"documented: {route.documented_detail}; older: {route.legacy_detail}",
            }
            for route in self.families
            if route.adapted
        ]

    def rows(self) -> list[dict[str, object]]:
        """Every family's routing, for results.json "routes" (information, never a verdict)."""
        return [{**asdict(route), "adapted": route.adapted} for route in self.families]

    def to_wire(self) -> dict[str, object]:
        """As plain data, for the workers' workerinput (conformance/plugin/wire.py)."""
        return self.to_dict()

    @classmethod
    def from_wire(cls, data: object) -> RouteMap:
        if not isinstance(data, dict):
            raise TypeError(f"RouteMap: a mapping was expected, not {type(data).__name__}")
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, object]:
        return {
            "families": [asdict(route) for route in self.families],
            "keyless": self.keyless.to_dict() if self.keyless else None,
            "keyed": self.keyed.to_dict() if self.keyed else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RouteMap:
        return cls(
            [FamilyRoute(**route) for route in data.get("families", [])],
            keyless=Unrouted.from_dict(data["keyless"]) if data.get("keyless") else None,
            keyed=Unrouted.from_dict(data["keyed"]) if data.get("keyed") else None,
        )


class Sender(Protocol):
    """What discovery needs of the target client (which itself holds the route map)."""

    workspace: str

    def request(
        self, method: str, path: str, *, key: bool | str = True, as_written: bool = False
    ) -> httpx.Response: ...


def _probe(client: Sender, template: str, unrouted: Unrouted, *, keyless: bool) -> Probe:
    path = fill_path(template, client.workspace)
    response = client.request("GET", path, key=not keyless, as_written=True)
    return classify(response, unrouted, keyless=keyless)


def _unrouted(client: Sender, *, key: bool) -> Unrouted:
    paths = nowhere_paths(client.workspace)
    return Unrouted.of([client.request("GET", p, key=key, as_written=True) for p in paths])


def discover_routes(client: Sender) -> RouteMap:
    """Probe every spelling family in both spellings (see the module docstring)."""
    keyless = _unrouted(client, key=False)
    keyed = _unrouted(client, key=True)
    by_key = keyless.all_404
    unrouted = keyless if by_key else keyed
    families = []
    for family, spelling in _representatives().items():
        documented = _probe(client, spelling.documented, unrouted, keyless=by_key)
        legacy = _probe(client, spelling.legacy, unrouted, keyless=by_key)
        families.append(
            FamilyRoute(
                family,
                spelling.documented,
                spelling.legacy,
                documented.status,
                documented.detail,
                legacy.status,
                legacy.detail,
            )
        )
    return RouteMap(families, keyless=keyless, keyed=keyed)

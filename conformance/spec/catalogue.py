"""The requirement catalogue (`specs/requirements.yaml`): load it, look entries up."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from conformance.spec.paths import requirements_path
from conformance.spec.yaml_cache import load_yaml

Level = Literal["MUST", "SHOULD", "MAY"]
LEVELS: tuple[Level, ...] = ("MUST", "SHOULD", "MAY")


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    area: str
    source_page: str
    source_heading: str
    statement: str
    check: str
    level_reason: str
    contradiction: str | None = None
    untestable: str | None = None
    # Why no fault switch of the reference server can violate this MUST (the fault matrix
    # requires every MUST to be covered by a fault unless this says why).
    no_fault: str | None = None
    # What the docs leave unsaid about this rule, and the weakest claim they support that the
    # check takes instead (a scope refusal's status, an expired token).
    docs_silent: str | None = None

    @property
    def source(self) -> str:
        return f"{self.source_page} — {self.source_heading}"


class CatalogueError(ValueError):
    """The catalogue file is malformed."""


def _parse(entry: dict[str, Any]) -> Requirement:
    try:
        level = entry["level"]
        if level not in LEVELS:
            raise CatalogueError(f"{entry.get('id')}: level {level!r} is not one of {LEVELS}")
        return Requirement(
            id=entry["id"],
            level=level,
            area=entry["area"],
            source_page=entry["source"]["page"],
            source_heading=entry["source"]["heading"],
            statement=entry["statement"],
            check=entry["check"],
            level_reason=entry["level_reason"],
            contradiction=entry.get("contradiction"),
            untestable=entry.get("untestable"),
            no_fault=entry.get("no_fault"),
            docs_silent=entry.get("docs_silent"),
        )
    except KeyError as missing:
        raise CatalogueError(f"{entry.get('id', '?')}: missing field {missing}") from None


def load_catalogue(path: Path | None = None) -> dict[str, Requirement]:
    """All requirements, keyed by id, in file order."""
    data = load_yaml(path or requirements_path())
    entries = data.get("requirements") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CatalogueError("the catalogue has no `requirements` list")
    catalogue: dict[str, Requirement] = {}
    for entry in entries:
        requirement = _parse(entry)
        if requirement.id in catalogue:
            raise CatalogueError(f"duplicate requirement id {requirement.id}")
        catalogue[requirement.id] = requirement
    return catalogue


@cache
def catalogue() -> dict[str, Requirement]:
    """The committed catalogue, loaded once per process."""
    return load_catalogue()


def known_areas() -> tuple[str, ...]:
    """The areas of the catalogue (the check modules' `test_<area>.py`), in file order."""
    return tuple(dict.fromkeys(r.area for r in catalogue().values()))

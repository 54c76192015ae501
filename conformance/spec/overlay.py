"""specs/overlay.yaml, typed: the hand-written facts the derivation applies on top of the pages.

Read once and checked against these classes (`conformance.codec`): a misspelt key or a value of
the wrong shape stops the derivation with the path to it, instead of deriving something else.
What each entry means is said in the file itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from conformance.codec import from_wire


@dataclass(frozen=True)
class PathRule:
    pattern: str  # a regular expression on the path
    resource: str


@dataclass(frozen=True)
class UnwrapRule:
    schema: str | None = None  # a component of their own for the unwrapped items


@dataclass(frozen=True)
class ExtraResponse:
    headers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LegacyAliases:
    resources: list[str]
    replace: list[list[str]]  # [old, new] path parts


@dataclass(frozen=True)
class Nullable:
    names: list[str]
    patterns: list[str]
    never: list[str]


@dataclass(frozen=True)
class Formats:
    uuid: list[str]
    uuid_arrays: list[str]
    date: list[str]
    date_time_patterns: list[str]


@dataclass(frozen=True)
class Overlay:
    info: dict[str, str]
    servers: list[dict[str, str]]
    core_folders: list[str]
    resource_by_path: list[PathRule]
    resource_by_folder: dict[str, str]
    action_segments: list[str]
    legacy_aliases: LegacyAliases
    nullable: Nullable
    formats: Formats
    cloud_pages: dict[str, str] = field(default_factory=dict)  # page -> why
    excluded_pages: dict[str, str] = field(default_factory=dict)  # page -> why
    overview_resource: dict[str, str] = field(default_factory=dict)
    unwrap_examples: dict[str, UnwrapRule] = field(default_factory=dict)
    undocumented_bodies: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    response_shape: dict[str, str] = field(default_factory=dict)
    extra_responses: dict[str, dict[str, ExtraResponse]] = field(default_factory=dict)
    link_id_pointer: dict[str, str] = field(default_factory=dict)
    paginated_override: dict[str, bool] = field(default_factory=dict)

    def edition(self, rel: str) -> str:
        """'core', 'cloud' or 'excluded' for an operation page, by the edition lists."""
        if rel in self.excluded_pages:
            return "excluded"
        if rel in self.cloud_pages:
            return "cloud"
        return "core" if rel.split("/", 1)[0] in self.core_folders else "cloud"


def load_overlay(path: Path | None = None) -> Overlay:
    """The hand-written overlay (specs/overlay.yaml)."""
    import yaml  # local import: the page parser itself needs only the stdlib

    from conformance.spec.paths import specs_dir

    with open(path or specs_dir() / "overlay.yaml", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    if isinstance(raw, dict):  # `key:` with nothing after it is YAML's null: an empty entry
        raw = {key: value for key, value in raw.items() if value is not None}
    return from_wire(Overlay, raw)

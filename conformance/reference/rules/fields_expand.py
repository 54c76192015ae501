"""The `fields` and `expand` query parameters.

fields=a,b keeps only the named fields of each object; expand=x,y replaces the named relation ids
by the related objects. Names a resource does not have (fields) or cannot expand (expand) are
refused with 400 naming them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.config import ServerConfig
from conformance.reference.faults import declare_fault
from conformance.reference.rules.errors import bad_request

FIELDS_IGNORED = declare_fault(
    "fields-ignored", ("FIELD-001", "FIELD-002"), "fields is ignored: every field comes back"
)
FIELDS_UNKNOWN_ACCEPTED = declare_fault(
    "fields-unknown-accepted", ("FIELD-003",), "unknown names in fields are ignored"
)
FIELDS_REFUSAL_UNNAMED = declare_fault(
    "fields-refusal-unnamed",
    ("FIELD-004",),
    "unknown names in fields are refused with a 400 that does not say which",
)
EXPAND_IGNORED = declare_fault(
    "expand-ignored", ("EXP-001",), "expand is ignored: relations stay ids"
)
EXPAND_UNKNOWN_ACCEPTED = declare_fault(
    "expand-unknown-accepted", ("EXP-002",), "unexpandable names in expand are ignored"
)
EXPAND_REFUSAL_UNNAMED = declare_fault(
    "expand-refusal-unnamed",
    ("EXP-003",),
    "unexpandable names in expand are refused with a 400 that does not say which",
)
EXPAND_DROPPED_WITH_FIELDS = declare_fault(
    "expand-dropped-with-fields",
    ("EXP-004",),
    "when fields is given too, expand is ignored (each works alone, not together)",
)

FIELDS_UNKNOWN_IGNORED = declare_behaviour(
    "fields-unknown-ignored",
    DEPARTURE,
    "unknown names in fields are ignored (200; fields naming nothing known answers objects "
    "with no field at all, {}); the docs refuse them with an error",
    releases=ALL_RELEASES,
)
EXPAND_UNKNOWN_IGNORED = declare_behaviour(
    "expand-unknown-ignored",
    DEPARTURE,
    "names in expand that cannot be expanded are ignored (200); one that names a field of the "
    "object which is no relation (expand=name) turns that field null; the docs refuse them "
    "with an error",
    releases=ALL_RELEASES,
)

# An expander turns the stored value (an id or a list of ids) into the related object(s).
Expander = Callable[[Any], Any]


@dataclass(frozen=True)
class Shaping:
    fields: tuple[str, ...] | None
    expand: tuple[str, ...]
    nulled: tuple[str, ...] = ()  # fields Plane's expand turns null (EXPAND_UNKNOWN_IGNORED)


def _names(raw: str | None) -> list[str]:
    return [name.strip() for name in (raw or "").split(",") if name.strip()]


def parse(
    params: Mapping[str, str],
    known_fields: tuple[str, ...],
    expandable: tuple[str, ...],
    config: ServerConfig,
) -> Shaping:
    asked = _names(params.get("fields"))
    unknown = [name for name in asked if name not in known_fields]
    plane_fields = config.follows(FIELDS_UNKNOWN_IGNORED)
    if unknown and config.has(FIELDS_REFUSAL_UNNAMED.name):
        raise bad_request("Invalid request.")
    if unknown and not (config.has(FIELDS_UNKNOWN_ACCEPTED.name) or plane_fields):
        raise bad_request(f"Invalid fields: {', '.join(unknown)}", invalid_fields=unknown)
    fields = [name for name in asked if name in known_fields]
    expand = _names(params.get("expand"))
    bad = [name for name in expand if name not in expandable]
    plane_expand = config.follows(EXPAND_UNKNOWN_IGNORED)
    if bad and config.has(EXPAND_REFUSAL_UNNAMED.name):
        raise bad_request("Invalid request.")
    if bad and not (config.has(EXPAND_UNKNOWN_ACCEPTED.name) or plane_expand):
        raise bad_request(f"Cannot expand: {', '.join(bad)}", invalid_expand=bad)
    nulled = tuple(name for name in bad if name in known_fields) if plane_expand else ()
    expand = [name for name in expand if name in expandable]
    if fields and config.has(EXPAND_DROPPED_WITH_FIELDS.name):
        expand = []
    # Plane keeps the known names of a non-empty fields, even when that is none of them.
    keep = tuple(fields) if fields or (asked and plane_fields) else None
    if config.has(FIELDS_IGNORED.name):
        keep = None
    return Shaping(keep, () if config.has(EXPAND_IGNORED.name) else tuple(expand), nulled)


def shape(
    obj: dict[str, Any], shaping: Shaping, expanders: Mapping[str, Expander]
) -> dict[str, Any]:
    out = obj if shaping.fields is None else {k: obj[k] for k in shaping.fields if k in obj}
    if shaping.nulled:
        out = {k: None if k in shaping.nulled else v for k, v in out.items()}
    if shaping.expand:
        out = dict(out)
        for name in shaping.expand:
            if name in out:
                out[name] = expanders[name](out[name])
    return out

"""The shape of a JSON value, and the drift between a recorded shape and an observed one.

Pure (no I/O). A shape says which field names an object has, the JSON type of every field, which
fields may be null and which are sometimes absent, and the shape of array items — never a value.
That is what a typed client depends on, and what stays stable between two servers that hold
different data.

Shapes are written to files flattened: one line per node, `path -> type`, so that a review of a
recording's diff, and a drift report, reads one line per field:

    $                       object
    $.results               array
    $.results[]             object
    $.results[].archived_at string | null
    $.results[].logo_props  optional object

`$` is the body, `.name` a field (`["a-b"]` when the name is not an identifier), `[]` the items of
an array, `{}` the values of a map: an object whose keys are all data (dates, ids, numbers, as in
a burn-down chart keyed by day), whose key set changes with the data and so is not a shape.
Several observations of one response are merged: the types become a union, a field missing in
some becomes `optional`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NULL = "null"
# Order of the types in a type text; the two pseudo-types stand for a body that is not JSON.
KIND_ORDER = (
    "object",
    "array",
    "string",
    "integer",
    "number",
    "boolean",
    NULL,
    "no body",
    "not JSON",
)
NO_BODY = "no body"
NOT_JSON = "not JSON"
OPTIONAL = "optional "
ROOT = "$"
ITEMS = "[]"
MAP = "{}"  # the pseudo-field holding the values of a map-like object

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DATA_KEY = re.compile(
    r"(\d{4}-\d{2}-\d{2}([T ][0-9:.+\-Z]*)?"  # a date or timestamp
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # a UUID
    r"|-?\d+)\Z"  # a number
)


@dataclass(frozen=True)
class Field:
    """A field of an object shape: its value's shape, and whether some observations lacked it."""

    shape: Shape
    optional: bool = False


@dataclass(frozen=True)
class Shape:
    """A union of JSON types; `fields` when it includes "object", `items` when it includes
    "array" and at least one item was seen (None: only empty arrays, item shape unknown)."""

    kinds: frozenset[str]
    fields: Mapping[str, Field] = field(default_factory=dict)
    items: Shape | None = None

    @property
    def nullable(self) -> bool:
        return NULL in self.kinds


def kind_of(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):  # before int: bool is an int in Python
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def is_map(value: dict[str, Any]) -> bool:
    """An object used as a map: it has keys, and every key is data (a date, a UUID, a number)."""
    return bool(value) and all(_DATA_KEY.match(key) for key in value)


def shape_of(value: Any) -> Shape:
    """The shape of one parsed JSON value."""
    kind = kind_of(value)
    if kind == "object":
        if is_map(value):
            values = merge_all(shape_of(v) for v in value.values())
            assert values is not None
            return Shape(frozenset({kind}), {MAP: Field(values)})
        return Shape(frozenset({kind}), {k: Field(shape_of(v)) for k, v in value.items()})
    if kind == "array":
        return Shape(frozenset({kind}), items=merge_all(shape_of(item) for item in value))
    return Shape(frozenset({kind}))


def body_shape(content: bytes, json_value: object = None, *, is_json: bool = True) -> Shape:
    """The shape of a response body: no body, not JSON, or the shape of its JSON value."""
    if not content:
        return Shape(frozenset({NO_BODY}))
    if not is_json:
        return Shape(frozenset({NOT_JSON}))
    return shape_of(json_value)


def merge(a: Shape, b: Shape) -> Shape:
    """The shape that covers both: a union of types; fields seen in only one become optional."""
    fields: dict[str, Field] = {}
    if "object" in a.kinds and "object" in b.kinds:
        for name in sorted(set(a.fields) | set(b.fields)):
            fa, fb = a.fields.get(name), b.fields.get(name)
            if fa is not None and fb is not None:
                fields[name] = Field(merge(fa.shape, fb.shape), fa.optional or fb.optional)
            else:
                only = fa or fb
                assert only is not None
                # a map's values are not a field that can be missing: an empty map has none
                fields[name] = Field(only.shape, optional=name != MAP)
    else:
        fields = dict(a.fields or b.fields)
    if a.items is not None and b.items is not None:
        items: Shape | None = merge(a.items, b.items)
    else:
        items = a.items if a.items is not None else b.items
    return Shape(a.kinds | b.kinds, fields, items)


def merge_all(shapes: Iterable[Shape]) -> Shape | None:
    """The merge of all, or None for none (an empty array's items)."""
    merged: Shape | None = None
    for shape in shapes:
        merged = shape if merged is None else merge(merged, shape)
    return merged


# -- the flat text form ----------------------------------------------------------------------


def type_text(shape: Shape, optional: bool = False) -> str:
    order = {kind: n for n, kind in enumerate(KIND_ORDER)}
    kinds = sorted(shape.kinds, key=lambda kind: (order.get(kind, len(order)), kind))
    return (OPTIONAL if optional else "") + " | ".join(kinds)


def parse_type_text(text: str) -> tuple[frozenset[str], bool]:
    optional = text.startswith(OPTIONAL)
    body = text[len(OPTIONAL) :] if optional else text
    return frozenset(part.strip() for part in body.split("|")), optional


def field_path(parent: str, name: str) -> str:
    if name == MAP:
        return parent + MAP
    if _IDENTIFIER.match(name):
        return f"{parent}.{name}"
    return f"{parent}[{json.dumps(name)}]"


def flatten(shape: Shape, path: str = ROOT, optional: bool = False) -> dict[str, str]:
    """path -> type text for the node and everything under it."""
    flat = {path: type_text(shape, optional)}
    if "object" in shape.kinds:
        for name, child in shape.fields.items():
            flat.update(flatten(child.shape, field_path(path, name), child.optional))
    if "array" in shape.kinds and shape.items is not None:
        flat.update(flatten(shape.items, path + ITEMS))
    return flat


def split_path(path: str) -> list[str]:
    """'$.a["b-c"][].d' -> ['a', 'b-c', '[]', 'd'] (field names and the items marker)."""
    if not path.startswith(ROOT):
        raise ValueError(f"a shape path starts with $: {path!r}")
    steps, rest = [], path[len(ROOT) :]
    while rest:
        if rest.startswith((ITEMS, MAP)):
            steps.append(rest[:2])
            rest = rest[2:]
        elif rest.startswith('["'):
            decoder = json.JSONDecoder()
            name, end = decoder.raw_decode(rest, 1)
            if rest[end : end + 1] != "]":
                raise ValueError(f"bad shape path {path!r}")
            steps.append(name)
            rest = rest[end + 1 :]
        elif rest.startswith("."):
            match = re.match(r"\.([A-Za-z_][A-Za-z0-9_]*)", rest)
            if not match:
                raise ValueError(f"bad shape path {path!r}")
            steps.append(match.group(1))
            rest = rest[match.end() :]
        else:
            raise ValueError(f"bad shape path {path!r}")
    return steps


def unflatten(flat: Mapping[str, str]) -> Shape:
    """The inverse of flatten."""
    nodes: dict[tuple[str, ...], tuple[frozenset[str], bool]] = {}
    for path, text in flat.items():
        nodes[tuple(split_path(path))] = parse_type_text(text)

    def build(prefix: tuple[str, ...]) -> Shape:
        kinds, _optional = nodes[prefix]
        children = [key for key in nodes if len(key) == len(prefix) + 1 and key[:-1] == prefix]
        fields = {key[-1]: Field(build(key), nodes[key][1]) for key in children if key[-1] != ITEMS}
        item_key = (*prefix, ITEMS)
        items = build(item_key) if item_key in nodes else None
        return Shape(kinds, fields, items)

    if () not in nodes:
        raise ValueError("a flat shape needs its root $")
    return build(())


# -- drift -----------------------------------------------------------------------------------

APPEARED = "field appeared"
DISAPPEARED = "field disappeared"
TYPE_CHANGED = "type changed"
NULLABILITY_CHANGED = "nullability changed"
OPTIONALITY_CHANGED = "optionality changed"
STATUS_APPEARED = "status appeared"
STATUS_DISAPPEARED = "status disappeared"


@dataclass(frozen=True)
class Drift:
    """One difference between a recorded shape and an observed one. `where` names the response
    ("GET /api/v1/... 200") when the drift comes from comparing recordings."""

    path: str
    kind: str
    recorded: str | None
    observed: str | None
    where: str = ""

    def __str__(self) -> str:
        """One readable line: where, which node, what changed."""
        what = f"{self.where}  " if self.where else ""
        if self.kind in (STATUS_APPEARED, STATUS_DISAPPEARED):
            return f"{what}{self.kind}"
        if self.kind == APPEARED:
            return f"{what}{self.path}: {self.kind} ({self.observed})"
        if self.kind == DISAPPEARED:
            return f"{what}{self.path}: {self.kind} (was {self.recorded})"
        return f"{what}{self.path}: {self.kind}: {self.recorded} -> {self.observed}"


def _is_under(path: str, ancestor: str) -> bool:
    return path != ancestor and (
        path.startswith(ancestor + ".")
        or path.startswith(ancestor + "[")  # items and quoted names
        or path.startswith(ancestor + MAP)
    )


def compare(recorded: Shape, observed: Shape, *, sample: bool = False) -> list[Drift]:
    """Every drift from the recorded shape to the observed one, values ignored. A field that
    appeared or disappeared is one drift (its sub-fields are not listed again); so is a type
    change that takes an object or array away.

    `sample=True`: the observation is one run's sample of what the recording merged over several
    (a field Plane fills from a background task, string or null by timing, is recorded as both):
    a node whose observed types are among the recorded ones is no drift, nor an optional field
    that was absent; a type, a null or a field the recording never saw still is."""
    rec, obs = flatten(recorded), flatten(observed)
    drifts: list[Drift] = []
    cut: list[str] = []  # paths whose descendants are not reported again
    for path in sorted(set(rec) | set(obs), key=split_path):
        if any(_is_under(path, top) for top in cut):
            continue
        r, o = rec.get(path), obs.get(path)
        if sample and o is None and r is not None and parse_type_text(r)[1]:
            continue  # an optional field this sample happened not to hold
        if r is None or o is None:
            drifts.append(Drift(path, APPEARED if r is None else DISAPPEARED, r, o))
            cut.append(path)
            continue
        r_kinds, r_optional = parse_type_text(r)
        o_kinds, o_optional = parse_type_text(o)
        if sample and o_kinds <= r_kinds and (r_optional or not o_optional):
            continue  # within what the recording saw
        if r_kinds - {NULL} != o_kinds - {NULL}:
            drifts.append(Drift(path, TYPE_CHANGED, r, o))
            if {"object", "array"} & (r_kinds ^ o_kinds):
                cut.append(path)
            continue
        if (NULL in r_kinds) != (NULL in o_kinds):
            drifts.append(Drift(path, NULLABILITY_CHANGED, r, o))
        if r_optional != o_optional:
            drifts.append(Drift(path, OPTIONALITY_CHANGED, r, o))
    return drifts


# -- recordings: shapes per response ----------------------------------------------------------

# (METHOD, path template, status) -> merged shape of every body seen for it
ResponseKey = tuple[str, str, int]
Recording = dict[ResponseKey, Shape]


def response_label(key: ResponseKey) -> str:
    method, path, status = key
    return f"{method} {path} {status}"


def compare_recordings(
    recorded: Mapping[ResponseKey, Shape],
    observed: Mapping[ResponseKey, Shape],
    operations: Iterable[tuple[str, str]] | None = None,
    *,
    sample: bool = False,
) -> list[Drift]:
    """Drifts per response, sorted by operation then status. A status recorded for an operation
    that the observation did not produce (or the reverse) is one drift, unless `operations` is
    given and the operation is not in it (the comparison is then restricted to those)."""
    wanted = set(operations) if operations is not None else None
    drifts: list[Drift] = []
    for key in sorted(set(recorded) | set(observed), key=lambda k: (k[1], k[0], k[2])):
        if wanted is not None and (key[0], key[1]) not in wanted:
            continue
        where = response_label(key)
        r, o = recorded.get(key), observed.get(key)
        if r is None:
            drifts.append(Drift(ROOT, STATUS_APPEARED, None, type_text(o) if o else None, where))
        elif o is None:
            drifts.append(Drift(ROOT, STATUS_DISAPPEARED, type_text(r), None, where))
        else:
            drifts.extend(
                Drift(d.path, d.kind, d.recorded, d.observed, where)
                for d in compare(r, o, sample=sample)
            )
    return drifts


def summarize(drifts: Iterable[Drift]) -> dict[str, int]:
    """Drift count per kind, for a one-line summary."""
    counts: dict[str, int] = {}
    for drift in drifts:
        counts[drift.kind] = counts.get(drift.kind, 0) + 1
    return dict(sorted(counts.items()))

"""A resource definition, the scope its documents live in, and helpers every resource shares.

The generic handlers built on it: `listing` (list pages: pagination, shaping, ordering, filters)
and `crud` (create, retrieve, update, delete of one object).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from conformance.reference.context import Ctx
from conformance.reference.rules import fields_expand
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

Hook = Callable[[Ctx, Doc], None]
# Which answer an object is serialised for: Plane's serialisers differ between them (a cycle's
# work item counts are annotated on reads only; a module PATCH answers the changed fields).
View = Literal["create", "update", "read", "list", "delete"]
Serializer = Callable[[Ctx, Doc, View], Doc]


def _no_hook(ctx: Ctx, doc: Doc) -> None:
    return None


def _as_stored(ctx: Ctx, doc: Doc, view: View) -> Doc:
    return doc


@dataclass(frozen=True)
class Resource:
    kind: str
    label: str  # for messages: "Work item"
    specs: Mapping[str, FieldSpec]  # writable fields
    output: tuple[str, ...]  # every field of the object, in order
    expandable: Mapping[str, str] = field(default_factory=dict)  # field -> related kind
    unique: tuple[str, ...] = ()  # unique within the parent scope; a clash answers 409
    defaults: Mapping[str, Any] = field(default_factory=dict)
    date_range: tuple[str, str] | None = None
    prepare: Hook = _no_hook  # domain rules on the merged object before it is stored
    after_create: Hook = _no_hook
    before_delete: Hook = _no_hook
    serialize: Serializer = _as_stored
    # A list's order when the caller gives no order_by: (field, descending), or None for the
    # order of creation. Plane lists most objects newest first.
    default_order: tuple[str, bool] | None = None


@dataclass(frozen=True)
class Scope:
    """Where documents of a resource live: a project (and a parent work item), or the workspace."""

    project: str | None = None
    parent: str | None = None


def project_scope(ctx: Ctx) -> Scope:
    """The scope of a resource that lives directly in the path's project."""
    return Scope(project=ctx.project()["id"])


def load_in_project(ctx: Ctx, resource: Resource, parameter: str) -> Doc:
    """The object the path parameter names, in the path's project (404 otherwise)."""
    return ctx.load(resource.kind, resource.label, ctx.path[parameter], project=ctx.project()["id"])


# --- shaping -----------------------------------------------------------------------------------
# The short forms Plane nests for an expanded relation (its "lite" serialisers); a kind not named
# here nests the whole object.
LITE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "state": ("id", "name", "color", "group"),
    "project": (
        "id", "identifier", "name", "cover_image", "icon_prop", "emoji", "description",
        "cover_image_url",
    ),
    "workspace": ("name", "slug", "id"),
    "work_item:lite": ("id", "sequence_id", "project_id"),
}  # fmt: skip


def lite(kind: str, doc: Doc) -> Doc:
    """The object as Plane nests it when a relation of this kind is expanded."""
    names = LITE_FIELDS.get(kind)
    if names is None:
        return doc
    source = {**doc, "project_id": doc.get("project")} if kind == "work_item:lite" else doc
    return {name: source.get(name) for name in names}


def expanders(ctx: Ctx, resource: Resource) -> dict[str, fields_expand.Expander]:
    def make(kind: str) -> fields_expand.Expander:
        stored_kind = kind.split(":")[0]

        def one(ref: Any) -> Any:
            doc = ctx.store.get(stored_kind, ref) if isinstance(ref, str) else None
            return None if doc is None else lite(kind, doc)

        def expand(value: Any) -> Any:
            if isinstance(value, list):
                return [obj for obj in map(one, value) if obj is not None]
            return one(value)

        return expand

    return {name: make(kind) for name, kind in resource.expandable.items()}


def shaping(ctx: Ctx, resource: Resource) -> fields_expand.Shaping:
    return fields_expand.parse(
        ctx.params, resource.output, tuple(resource.expandable), ctx.config, resource.kind
    )

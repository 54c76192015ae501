"""A resource definition, the scope its documents live in, and helpers every resource shares.

The generic handlers built on it: `listing` (list pages: pagination, shaping, ordering, filters)
and `crud` (create, retrieve, update, delete of one object).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from conformance.reference.context import Ctx
from conformance.reference.rules import fields_expand
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec

Hook = Callable[[Ctx, Doc], None]


def _no_hook(ctx: Ctx, doc: Doc) -> None:
    return None


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
    serialize: Callable[[Ctx, Doc], Doc] = lambda ctx, doc: doc


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
def expanders(ctx: Ctx, resource: Resource) -> dict[str, fields_expand.Expander]:
    def make(kind: str) -> fields_expand.Expander:
        def one(ref: Any) -> Any:
            return ctx.store.get(kind, ref) if isinstance(ref, str) else None

        def expand(value: Any) -> Any:
            if isinstance(value, list):
                return [obj for obj in map(one, value) if obj is not None]
            return one(value)

        return expand

    return {name: make(kind) for name, kind in resource.expandable.items()}


def shaping(ctx: Ctx, resource: Resource) -> fields_expand.Shaping:
    return fields_expand.parse(ctx.params, resource.output, tuple(resource.expandable), ctx.config)

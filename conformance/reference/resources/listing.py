"""The generic list handler: a page of a resource's documents, shaped, ordered and filtered.

The faults here break ordering (ORD-*), the documented filters, and the shape of list items.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from conformance.reference.behaviours import ALL_RELEASES, DEPARTURE, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.faults import declare_fault
from conformance.reference.resources.base import Resource, Scope, expanders, shaping
from conformance.reference.rules import fields_expand, pagination
from conformance.reference.rules.errors import ApiError, bad_request, json_response, server_error
from conformance.reference.store import Doc, ScopeFilter

FILTERS = ("external_id", "external_source")  # documented list filters, applied together

ORDER_BY_IGNORED = declare_fault(
    "order-by-ignored", ("ORD-001", "ORD-002"), "order_by is ignored, known or not"
)
UNKNOWN_ORDER_BY_500 = declare_fault(
    "unknown-order-by-500", ("ORD-002", "ORD-003"), "an unknown order_by answers 500"
)


ORDER_BY_UNKNOWN_500 = declare_behaviour(
    "order-by-unknown-500",
    DEPARTURE,
    "on the lists Plane orders by the parameter (work items, a cycle's or a module's too, "
    "their activities, projects) an unknown order_by answers 500; the docs want a 400",
    releases=ALL_RELEASES,
)
ORDER_BY_IGNORED_ELSEWHERE = declare_behaviour(
    "order-by-ignored-elsewhere",
    DEPARTURE,
    "the other lists (states, labels, cycles, modules, comments, links, intake issues, "
    "stickies, ...) ignore order_by, known or not, and keep their own order; the docs list "
    "order_by for them",
    releases=ALL_RELEASES,
)
MODULE_LISTS_ADD_MEMBERS = declare_behaviour(
    "module-lists-add-members",
    DEPARTURE,
    "the module lists (modules/, archived-modules/) always add members to the fields asked for "
    "(fields=id,name answers id, members, name); the docs keep exactly the named fields",
    releases=ALL_RELEASES,
)
# The kinds whose Plane list reads the order_by parameter.
ORDERED_BY_PARAMETER = frozenset({"work_item", "project", "activity"})


def ordering(ctx: Ctx, resource: Resource) -> tuple[str, bool] | None:
    raw = (ctx.params.get("order_by") or "").strip()
    if not raw:
        return None
    name = raw.removeprefix("-")
    if ctx.config.has(ORDER_BY_IGNORED.name):
        return None
    if resource.kind not in ORDERED_BY_PARAMETER and ctx.config.follows(ORDER_BY_IGNORED_ELSEWHERE):
        return None
    if name not in resource.output:
        if ctx.config.has(UNKNOWN_ORDER_BY_500.name):
            raise ApiError(500, {"error": "Internal server error"})
        if ctx.config.follows(ORDER_BY_UNKNOWN_500):
            raise server_error()
        raise bad_request(f"Cannot order by: {name}", invalid_order_by=[name])
    return name, raw.startswith("-")


FILTERS_IGNORED = declare_fault(
    "filters-ignored", ("ORD-004",), "external_id / external_source do not narrow the list"
)
EXPAND_FIRST_ITEM_ONLY = declare_fault(
    "expand-first-item-only",
    ("SHAPE-002",),
    "expand applies to the first item of a list page only",
)


def list_response(
    ctx: Ctx,
    resource: Resource,
    scope: Scope,
    *,
    archived: bool | None = None,
    member_of: tuple[str, str] | None = None,
    keep: Callable[[Doc], bool] | None = None,
    default_order: tuple[str, bool] | None = None,
) -> Response:
    """A page of the scope's documents; `keep` leaves out those it refuses (Plane hides some
    objects from a list, e.g. triage states)."""
    shape = shaping(ctx, resource)
    if (
        resource.kind == "module"
        and shape.fields is not None
        and "members" not in shape.fields
        and ctx.config.follows(MODULE_LISTS_ADD_MEMBERS)
    ):
        shape = fields_expand.Shaping((*shape.fields, "members"), shape.expand, shape.nulled)
    page = pagination.parse(ctx.params, ctx.config)
    order = ordering(ctx, resource) or default_order or resource.default_order
    where: ScopeFilter = {
        "project": scope.project,
        "parent": scope.parent,
        "archived": archived,
        "member_of": member_of,
    }
    total = ctx.store.count(resource.kind, **where)
    expand = expanders(ctx, resource)
    wanted = {name: ctx.params.get(name) for name in FILTERS if name in resource.output}
    matching: list[Doc] | None = None
    filtered = len(wanted) == len(FILTERS) and all(wanted.values())
    filtered = filtered and not ctx.config.has(FILTERS_IGNORED.name)
    if filtered or keep is not None:
        docs = ctx.store.query(resource.kind, **where, order=order)
        if filtered:
            docs = [d for d in docs if all(d.get(k) == v for k, v in wanted.items())]
        matching = [d for d in docs if keep is None or keep(d)]
        total = len(matching)

    def fetch(offset: int, limit: int) -> list[Doc]:
        if matching is not None:
            docs = matching[offset : offset + limit]
        else:
            docs = ctx.store.query(resource.kind, **where, offset=offset, limit=limit, order=order)
        items = [_list_item(ctx, resource, d, member_of) for d in docs]
        shapes = [shape] * len(items)
        if ctx.config.has(EXPAND_FIRST_ITEM_ONLY.name):
            shapes[1:] = [fields_expand.Shaping(shape.fields, ())] * (len(items) - 1)
        return [fields_expand.shape(d, s, expand) for d, s in zip(items, shapes, strict=True)]

    return json_response(pagination.paginate(page, total, fetch, ctx.config), ctx.config)


CYCLE_LIST_SEQUENCE_STRING = declare_fault(
    "cycle-list-sequence-string",
    ("SHAPE-001",),
    "the cycle work-item list gives sequence_id as a string (an integer elsewhere)",
)


def _list_item(ctx: Ctx, resource: Resource, doc: Doc, member_of: tuple[str, str] | None) -> Doc:
    item = resource.serialize(ctx, doc, "list")
    cycle_list = member_of is not None and member_of[0] == "cycle"
    if cycle_list and ctx.config.has(CYCLE_LIST_SEQUENCE_STRING.name):
        item = {**item, "sequence_id": str(item.get("sequence_id"))}
    return item

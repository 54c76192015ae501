"""Work item relations: create (one relation type towards several work items), list (an object of
eight arrays, one per type, seen from the work item) and remove.

A relation is stored once, in one direction: `blocking`, `start_after` and `finish_after` are kept
as the reversed `blocked_by`, `start_before`, `finish_before`, as Plane does; `duplicate` and
`relates_to` read the same from both ends. One pair of work items holds at most one relation.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from conformance.reference.behaviours import DEPARTURE, declare_behaviour
from conformance.reference.context import Ctx
from conformance.reference.resources import base, listing
from conformance.reference.resources.base import Resource
from conformance.reference.resources.routing import PROJECT, RouteTable
from conformance.reference.rules import fields_expand, pagination
from conformance.reference.rules.errors import created, field_errors, json_response, not_found
from conformance.reference.store import Doc
from conformance.reference.validation import FieldSpec, is_uuid, validate_body

TYPES = (
    "blocking", "blocked_by", "duplicate", "relates_to",
    "start_before", "start_after", "finish_before", "finish_after",
)  # fmt: skip
REVERSED = {
    "blocking": "blocked_by",
    "start_after": "start_before",
    "finish_after": "finish_before",
}
SYMMETRIC = ("duplicate", "relates_to")

CREATE_SPECS = {
    "relation_type": FieldSpec("enum", required=True, choices=TYPES),
    "issues": FieldSpec("uuid_list", required=True),
}
REMOVE_SPECS = {"related_issue": FieldSpec("uuid", required=True)}

# The list's shape, so fields / expand / order_by are validated like everywhere else.
LISTING = Resource(
    kind="relation", label="Relation", specs={}, output=TYPES,
    expandable={name: "work_item" for name in TYPES},
)  # fmt: skip


def _item(ctx: Ctx) -> Doc:
    return ctx.work_item(ctx.project(), "work_item_id")


def _between(ctx: Ctx, one: str, other: str) -> list[Doc]:
    """The stored relations joining two work items, in either direction."""
    found = []
    for issue, related in ((one, other), (other, one)):
        doc = ctx.store.find("relation", project=None, field="pair", value=f"{issue}:{related}")
        if doc is not None:
            found.append(doc)
    return found


def _view(ctx: Ctx, related: Doc, relation_type: str, relation: Doc) -> Doc:
    """A related work item as the create answer lists it."""
    return {
        "id": related["id"], "name": related["name"], "sequence_id": related["sequence_id"],
        "project_id": related["project"], "relation_type": relation_type,
        "state_id": related.get("state"), "priority": related.get("priority"),
        "created_at": relation["created_at"], "updated_at": relation["updated_at"],
        "created_by": relation["created_by"], "updated_by": relation["updated_by"],
    }  # fmt: skip


def create_relations(ctx: Ctx) -> Response:
    item = _item(ctx)
    clean = validate_body(ctx.body, CREATE_SPECS, ctx.config, partial=False)
    ids = list(dict.fromkeys(clean["issues"]))
    if not ids:
        raise field_errors({"issues": ["A non-empty list of work item ids is required."]})
    errors = []
    targets = []
    for ref in ids:
        target = ctx.store.get("work_item", ref)
        if target is None or ref == item["id"]:
            errors.append(f'Invalid pk "{ref}" - object does not exist.')
        else:
            targets.append(target)
    if errors:
        raise field_errors({"issues": errors})
    relation_type = clean["relation_type"]
    answer = []
    with ctx.store.transaction():
        for target in targets:
            for old in _between(ctx, item["id"], target["id"]):
                ctx.store.delete("relation", old["id"])
            issue, related, stored_type = item["id"], target["id"], relation_type
            if relation_type in REVERSED:
                issue, related, stored_type = target["id"], item["id"], REVERSED[relation_type]
            doc: Doc = {
                "issue": issue, "related_issue": related, "relation_type": stored_type,
                "pair": f"{issue}:{related}", "project": item["project"],
                "workspace": ctx.workspace["id"],
            }  # fmt: skip
            ctx.stamp(doc, created=True)
            doc["updated_by"] = ctx.user_id  # Plane's relations are saved with both authors
            ctx.store.insert("relation", doc, project=item["project"], parent=issue)
            answer.append(_view(ctx, target, relation_type, doc))
    return created(answer, ctx.config)


def _listing(ctx: Ctx, item: Doc) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {name: [] for name in TYPES}
    for doc in ctx.store.query("relation"):
        kind = doc["relation_type"]
        if doc["issue"] == item["id"]:
            name, other = kind, doc["related_issue"]
        elif doc["related_issue"] == item["id"]:
            name = kind if kind in SYMMETRIC else {v: k for k, v in REVERSED.items()}[kind]
            other = doc["issue"]
        else:
            continue
        if ctx.store.get("work_item", other) is not None:  # the other end may have been deleted
            out[name].append(other)
    return out


def _reference(ctx: Ctx, issue: Any) -> Any:
    """A related work item as Plane lists it: {issue_id, project_id}."""
    other = ctx.store.get("work_item", issue) if isinstance(issue, str) else None
    return {"issue_id": issue, "project_id": (other or {}).get("project")}


RELATIONS_FIELDS_IGNORED = declare_behaviour(
    "relations-fields-ignored",
    DEPARTURE,
    "a work item's relations ignore fields: every relation kind comes back (the list-relations "
    "page offers fields)",
    releases=frozenset({"1.3.1"}),  # the older releases do not route relations at all
)


def list_relations(ctx: Ctx) -> Response:
    """A plain object of arrays, one per relation type, each related work item as Plane lists
    it ({issue_id, project_id}; expanded, the whole work item). The page offers paging
    parameters: they are validated like everywhere else and have nothing to page."""
    item = _item(ctx)
    shape = base.shaping(ctx, LISTING)
    if ctx.config.follows(RELATIONS_FIELDS_IGNORED):
        shape = fields_expand.Shaping(None, shape.expand, shape.nulled)
    pagination.parse(ctx.params, ctx.config)
    listing.ordering(ctx, LISTING)
    body: dict[str, Any] = dict(_listing(ctx, item))
    body = fields_expand.shape(body, shape, base.expanders(ctx, LISTING))
    for name, related in body.items():
        if name not in shape.expand:
            body[name] = [_reference(ctx, issue) for issue in related]
    return json_response(body, ctx.config)


def remove_relation(ctx: Ctx) -> Response:
    item = _item(ctx)
    clean = validate_body(ctx.body, REMOVE_SPECS, ctx.config, partial=False)
    related = clean["related_issue"]
    found = _between(ctx, item["id"], related) if is_uuid(related) else []
    if not found:
        raise not_found("Work item relation", ctx.config)
    with ctx.store.transaction():
        for doc in found:
            ctx.store.delete("relation", doc["id"])
    return Response(status_code=204)


_ITEM = PROJECT + "/work-items/{work_item_id}"
ROUTES: RouteTable = [
    (_ITEM + "/relations/", {"GET": list_relations, "POST": create_relations}),
    (_ITEM + "/relations/remove/", {"POST": remove_relation}),
]

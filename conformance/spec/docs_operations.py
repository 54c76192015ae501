"""The operations the API reference pages document, as the derivation reads them.

Each page with an endpoint badge is one operation (`Op`): its method and path, whether it is core
(open-source Plane) or Cloud, the resource it belongs to and its kind (list, create, retrieve,
update, delete, action), with the overlay's corrections applied (wrapped examples, parameter
names, operation ids, the legacy `/issues/` aliases). What the pages say that does not add up is
noted (`Notes`), never silently fixed. Used by `conformance.spec.derive`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TypeGuard

from conformance.spec.docs_pages import DocPage
from conformance.spec.overlay import Overlay

ENVELOPE_KEYS = {"next_cursor", "prev_cursor", "results"}
MESSAGE_KEYS = {"detail", "error", "message"}
PARAM_RE = re.compile(r"\{([a-z_]+)\}")


class Notes:
    """What the derivation noted about the pages (contradictions, gaps), each once, in order."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, text: str) -> None:
        if text not in self.lines:
            self.lines.append(text)


@dataclass
class Op:
    page: DocPage
    method: str
    path: str
    core: bool
    resource: str
    kind: str  # list | create | retrieve | update | delete | action
    operation_id: str = ""
    also: list[DocPage] = field(default_factory=list)  # further pages with the same badge
    alias_of: str | None = None

    @property
    def example(self) -> object:
        for response in self.page.responses:
            if 200 <= response.status < 300:
                return response.example
        return None

    @property
    def docs_status(self) -> int | None:
        ok = [r.status for r in self.page.responses if 200 <= r.status < 400]
        return ok[0] if ok else None


def camel(text: str, upper: bool = False) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    out = "".join(w[:1].upper() + w[1:] for w in words)
    return out if upper else out[:1].lower() + out[1:]


def is_envelope(example: object) -> TypeGuard[dict[str, object]]:
    return isinstance(example, dict) and set(example) >= ENVELOPE_KEYS


def is_message(example: object) -> bool:
    return isinstance(example, dict) and bool(example) and set(example) <= MESSAGE_KEYS


def is_wrapped(example: object) -> bool:
    """A list printed around the real body: a list of lists, or a list holding one envelope."""
    if not isinstance(example, list) or not example:
        return False
    return all(isinstance(e, list) for e in example) or (
        len(example) == 1 and is_envelope(example[0])
    )


def unwrap(example: list[object]) -> object:
    """The body a wrapped example means: the inner lists joined, or the one envelope."""
    if is_envelope(example[0]):
        return example[0]
    return [item for inner in example if isinstance(inner, list) for item in inner]


def path_shape(path: str) -> str:
    return PARAM_RE.sub("{}", path)


def resource_of(page: DocPage, path: str, overlay: Overlay) -> str:
    for rule in overlay.resource_by_path:
        if re.search(rule.pattern, path):
            return rule.resource
    return overlay.resource_by_folder.get(page.folder, page.folder)


def classify(
    method: str, path: str, example: object, shape_override: str | None, actions: set[str]
) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last in actions:
        return "action"
    if last.startswith("{"):
        return {"GET": "retrieve", "PATCH": "update", "DELETE": "delete"}.get(method, "action")
    if method == "POST":
        return "create"
    if method == "GET":
        listy = isinstance(example, list) or is_envelope(example) or shape_override == "array"
        return "list" if listy else "retrieve"
    return {"PATCH": "update", "DELETE": "delete"}.get(method, "action")


class OperationCollector:
    """Reads the operations of the pages, with the overlay's corrections."""

    def __init__(self, pages: list[DocPage], overlay: Overlay, notes: Notes) -> None:
        self.pages = pages
        self.overlay = overlay
        self.note = notes.add
        self.ops: list[Op] = []

    def collect(self) -> list[Op]:
        self._unwrap_examples()
        actions = set(self.overlay.action_segments)
        shapes = self.overlay.response_shape
        by_key: dict[tuple[str, str], Op] = {}
        for page in self.pages:
            if page.is_overview or not page.path or not page.method:
                continue
            edition = self.overlay.edition(page.rel)
            if edition == "excluded":
                continue
            op = Op(
                page,
                page.method,
                page.path,
                edition == "core",
                resource_of(page, page.path, self.overlay),
                "",
            )
            op.kind = classify(op.method, op.path, op.example, shapes.get(page.rel), actions)
            key = (op.method, op.path)
            if key in by_key:
                by_key[key].also.append(page)
                self.note(
                    f"{page.rel} and {by_key[key].page.rel}: one operation {op.method} {op.path}"
                )
                continue
            by_key[key] = op
            self.ops.append(op)
        self._normalise_params()
        self._assign_ids()
        self._add_aliases()
        return self.ops

    def _unwrap_examples(self) -> None:
        """Read the overlay's wrapped examples (a list printed around the body) as their body."""
        rules = self.overlay.unwrap_examples
        for page in self.pages:
            if page.rel not in rules:
                continue
            for index, response in enumerate(page.responses):
                example = response.example
                if (
                    200 <= response.status < 300
                    and isinstance(example, list)
                    and is_wrapped(example)
                ):
                    body = unwrap(example)
                    page.responses[index] = replace(response, example=body)
                    shown = "a paginated envelope" if is_envelope(body) else "a list"
                    self.note(f"{page.rel}: the {response.status} example wraps {shown} in a list")

    def _normalise_params(self) -> None:
        """Equivalent templates must use one set of parameter names (OpenAPI rule)."""
        first: dict[str, str] = {}
        for op in sorted(self.ops, key=lambda o: (o.path, o.method)):
            canonical = first.setdefault(path_shape(op.path), op.path)
            if canonical != op.path:
                self.note(
                    f"{op.page.rel}: {op.path} names its parameters unlike {canonical}; renamed"
                )
                op.path = canonical

    def _assign_ids(self) -> None:
        stems: dict[str, int] = {}
        for op in self.ops:
            stem = op.page.rel.rsplit("/", 1)[-1].removesuffix(".md")
            stems[stem] = stems.get(stem, 0) + 1
        for op in self.ops:
            stem = op.page.rel.rsplit("/", 1)[-1].removesuffix(".md")
            op.operation_id = camel(stem if stems[stem] == 1 else f"{op.page.folder}-{stem}")

    def _add_aliases(self) -> None:
        legacy = self.overlay.legacy_aliases
        for op in list(self.ops):
            if not op.core or op.resource not in legacy.resources:
                continue
            path = op.path
            for old, new in legacy.replace:
                path = path.replace(old, new)
            alias = Op(
                op.page,
                op.method,
                path,
                True,
                op.resource,
                op.kind,
                f"{op.operation_id}ViaIssuesPath",
            )
            alias.alias_of = op.operation_id
            alias.also = op.also
            self.ops.append(alias)

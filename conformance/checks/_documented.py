"""The documented operations a requirement is judged on, read from the spec when checks collect.

A requirement's units come from the docs (through the derived spec), never from what a check
happened to touch: `fields` / `expand` are judged on every GET whose docs page offers them, a 404
for an unknown id on every documented GET with a path id, at every level of its path. Core and
commercial-edition (cloud) operations alike; never the `issues/` aliases, which come from Plane's
URL configuration, not from a docs page.

Also here: filling a documented path template with values (requests go through the documented
templates; the target client sends them by the spelling the target routes), and telling an answer
of an operation the target does not serve from one of an operation that answered (`Unrouted`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import httpx

from conformance.spec.openapi import Operation, load_openapi, operations
from conformance.spec.paths import openapi_path
from conformance.target.client import TargetClient
from conformance.target.unrouted import NOWHERE, without_path

CLOUD_SPEC_NAME = "plane-v1-cloud.openapi.yaml"
WORKSPACE_PARAMETERS = frozenset({"workspace_slug", "slug"})
PARAMETER = re.compile(r"\{([^{}]+)\}")
# A documented string naming another object (an id) or a date is no plain field to `expand`.
NOT_PLAIN_FORMATS = frozenset({"uuid", "date", "date-time", "uri", "email"})


@dataclass(frozen=True)
class DocumentedGet:
    """A documented GET and what its docs page says about the objects it answers."""

    operation: Operation
    kind: str  # "list" (a collection) or "detail" (one object), from the spec's x-kind
    paginated: bool
    properties: tuple[str, ...]  # the documented properties of the objects it answers
    plain: tuple[str, ...]  # of those, plain strings that name nothing (never expandable)

    @property
    def label(self) -> str:
        """The unit's name: the documented operation (stable from run to run)."""
        return f"GET {self.operation.path}"

    @property
    def path(self) -> str:
        return self.operation.path

    @property
    def core(self) -> bool:
        return self.operation.core

    def offers(self, parameter: str) -> bool:
        return parameter in self.operation.query_params

    def has(self, *names: str) -> bool:
        return all(name in self.properties for name in names)

    @property
    def pair(self) -> tuple[str, str]:
        """Two documented fields to ask for with `fields=a,b`: id and name where there are."""
        named = [n for n in ("id", "name") if n in self.properties]
        rest = [n for n in self.properties if n not in named]
        ordered = [*named, *rest, "id", "name"]
        return ordered[0], ordered[1]

    @property
    def plain_field(self) -> str | None:
        """A documented field that is no relation (expand cannot expand it), name first."""
        if "name" in self.plain:
            return "name"
        return self.plain[0] if self.plain else None


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _object_schema(spec: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """The schema of the objects an answer holds: a list's items, or the object itself."""
    content = raw.get("responses", {}).get("200", {}).get("content", {})
    schema = _resolve(spec, content.get("application/json", {}).get("schema", {}))
    parts = [_resolve(spec, part) for part in schema.get("allOf", [])] or [schema]
    for part in parts:
        results = part.get("properties", {}).get("results")
        if isinstance(results, dict) and "items" in results:
            return _resolve(spec, results["items"])
    if schema.get("type") == "array" and "items" in schema:
        return _resolve(spec, schema["items"])
    return schema


def _is_plain(schema: dict[str, object]) -> bool:
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    named = schema.get("format") in NOT_PLAIN_FORMATS or "enum" in schema
    return "string" in kinds and not named


def _documented(spec: dict[str, Any], op: Operation) -> DocumentedGet:
    raw = spec["paths"][op.path]["get"]
    schema = _object_schema(spec, raw)
    properties = schema.get("properties", {})
    plain = tuple(
        name
        for name, prop in properties.items()
        if name != "id" and isinstance(prop, dict) and _is_plain(prop)
    )
    kind = "list" if raw.get("x-kind") == "list" else "detail"
    return DocumentedGet(op, kind, bool(raw.get("x-paginated")), tuple(properties), plain)


@functools.cache
def documented_gets() -> tuple[DocumentedGet, ...]:
    """Every documented GET: the core spec's, then the cloud spec's that are not core too; the
    `issues/` aliases left out (no docs page documents them)."""
    core_spec = load_openapi()
    found = [_documented(core_spec, op) for op in operations(core_spec) if op.method == "GET"]
    seen = {get.path for get in found}
    cloud_path = openapi_path().with_name(CLOUD_SPEC_NAME)
    if cloud_path.exists():
        cloud_spec = load_openapi(cloud_path)
        found += [
            _documented(cloud_spec, op)
            for op in operations(cloud_spec)
            if op.method == "GET" and op.path not in seen and not op.core
        ]
    return tuple(get for get in found if not get.operation.alias_of)


def offering(parameter: str) -> tuple[DocumentedGet, ...]:
    """The documented GETs whose page offers the query parameter `parameter`."""
    return tuple(get for get in documented_gets() if get.offers(parameter))


def path_ids(template: str) -> list[str]:
    """The path parameters of a template that name objects (the workspace slug aside)."""
    return [name for name in PARAMETER.findall(template) if name not in WORKSPACE_PARAMETERS]


def fill(template: str, values: dict[str, str]) -> str:
    """The documented template with its parameters replaced (KeyError: a value is missing)."""
    return PARAMETER.sub(lambda match: values[match.group(1)], template)


class Unrouted:
    """How the target answers a keyed GET of a URL it surely does not route (asked once, when
    first needed), to tell "this operation is not served" from an answer of the operation."""

    def __init__(self, client: TargetClient) -> None:
        self.client = client
        self._answer: tuple[int, str] | None = None

    def _seen(self) -> tuple[int, str]:
        if self._answer is None:
            response = self.client.get(self.client.ws(f"{NOWHERE}/"))
            body = without_path(response.text, response.request.url.path)
            self._answer = (response.status_code, body)
        return self._answer

    @property
    def tells_absent(self) -> bool:
        """Whether an operation the target does not serve can be told at all: only when a URL
        it surely does not route answers 404 (one that answers 200 is STATUS-007's departure)."""
        return self._seen()[0] == 404

    def like(self, response: httpx.Response) -> bool:
        """Whether `response` is the target's answer for a URL it does not route: a 405, or a
        404 whose body is the unrouted URL's once the request paths are taken out of both."""
        if response.status_code == 405:
            return True
        if response.status_code != 404:
            return False
        status, body = self._seen()
        return status == 404 and without_path(response.text, response.request.url.path) == body

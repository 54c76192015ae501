"""The OAuth scopes each operation page names, as the derived spec carries them (`x-scopes`).

An operation's *scope requirement* is a tuple of alternatives, each the space-joined scopes it
needs together: `("projects:write",)`, `("write", "projects:write")` (either), `()` when its page
names no scope. A token *grants* a requirement when one alternative is wholly among its scopes.

Used by the suite (the client's scope gate, the scope discovery and the checks) and by the
reference server (which enforces them): both read the same derived spec, never a hand list.

    operation_for("POST", "/api/v1/workspaces/w/projects/") -> ScopedOperation | None
    documented_scopes() -> every scope the pages name, sorted
    read_scopes("*:read, projects:write, -stickies:read") -> frozenset of scopes
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.spec.openapi import load_openapi, operations
from conformance.spec.paths import openapi_path

CLOUD_FILE = "plane-v1-cloud.openapi.yaml"
Requirement = tuple[str, ...]


@dataclass(frozen=True)
class ScopedOperation:
    method: str
    path: str  # the template, "/api/v1/workspaces/{workspace_slug}/projects/"
    core: bool
    requirement: Requirement  # alternatives; () when the page names no scope
    pattern: re.Pattern[str]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def key(self) -> str:
        """The requirement as one text ("write|projects:write"): what discovery learns."""
        return requirement_key(self.requirement)


def requirement_key(requirement: Requirement) -> str:
    return "|".join(requirement)


def grants(scopes: Iterable[str], requirement: Requirement) -> bool:
    """Whether a token holding `scopes` may do an operation needing `requirement`."""
    held = set(scopes)
    return not requirement or any(set(each.split()) <= held for each in requirement)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "[^/]+".join(re.escape(part) for part in parts) + "$")


@functools.cache
def scoped_operations() -> tuple[ScopedOperation, ...]:
    """Every documented operation (core, then Cloud), the most literal templates first, so that
    `projects/archive/` is not taken for `projects/{project_id}/`."""
    specs = [load_openapi()]
    cloud = openapi_path().with_name(CLOUD_FILE)
    if cloud.exists():
        specs.append(load_openapi(cloud))
    found = [
        ScopedOperation(op.method, op.path, op.core, op.scopes, _pattern(op.path))
        for spec in specs
        for op in operations(spec)
    ]
    return tuple(sorted(found, key=lambda op: op.path.count("{")))


def operation_for(method: str, path: str) -> ScopedOperation | None:
    """The documented operation a request is for (None: no documented operation)."""
    path = path if path.endswith("/") else path + "/"
    method = method.upper()
    return next(
        (op for op in scoped_operations() if op.method == method and op.pattern.match(path)),
        None,
    )


@functools.cache
def documented_scopes() -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                scope
                for op in scoped_operations()
                for each in op.requirement
                for scope in each.split()
            }
        )
    )


def read_scopes(text: str) -> frozenset[str]:
    """The scopes a comma-separated list names: a scope, a pattern over the documented scopes
    (`*`: all of them, `*:read`: every read scope), and `-pattern` to take some away again (in
    order). A name or pattern that is no documented scope (a typo: nothing could use it) is
    refused in one sentence."""
    chosen: set[str] = set()
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        remove = item.startswith("-")
        pattern = item.removeprefix("-").strip()
        matched = set(fnmatch.filter(documented_scopes(), pattern))
        if not matched:
            raise ValueError(f"{pattern!r} is no scope the operation pages name, nor matches one.")
        chosen = chosen - matched if remove else chosen | matched
    if not chosen:
        raise ValueError(f"{text!r} names no scope.")
    return frozenset(chosen)


def scopes_option(text: str) -> frozenset[str]:
    """`--token-scopes` (of `run` and of `serve`): `read_scopes`, refusing in one sentence."""
    try:
        return read_scopes(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(f"--token-scopes: {problem}") from None


def outside(scopes: Iterable[str]) -> frozenset[str]:
    """The requirement keys of every documented operation that `scopes` do not grant."""
    held = frozenset(scopes)
    return frozenset(
        op.key for op in scoped_operations() if op.requirement and not grants(held, op.requirement)
    )

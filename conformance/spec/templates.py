"""Which documented operation a request path stands for, and its path parameters as sent.

A recorded exchange keeps the documented path template it stood for and the values of its path
parameters (`conformance.target.recording`), so that `plane-conformance replay` can recreate what
the request needed in a fresh project. A path in an older spelling (`issues/...`, which the spec
carries as aliases of the documented operations: `x-alias-of`) stands for the documented
operation; its parameters are named as the documented template names them. The Cloud-only
operations (specs/plane-v1-cloud.openapi.yaml) are known too.

Where several templates match, the one with the most literal text wins (`work-items/search/`
over `work-items/{work_item_id}/`). A parameter matches any text of its segment, so a malformed
id (`labels/not-a-uuid/`) still stands for the documented operation it was sent to.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from conformance.spec.openapi import Operation, load_openapi, operations
from conformance.spec.paths import openapi_path

PARAMETER = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Template:
    method: str
    path: str  # the documented template ("/api/v1/workspaces/{workspace_slug}/projects/")
    written: str  # the template as matched (an older spelling, or the documented one)
    pattern: re.Pattern[str]
    parameters: tuple[str, ...]  # the documented template's names, in path order
    literal: int  # characters of literal text: the more, the more specific


def _pattern(template: str) -> re.Pattern[str]:
    parts = PARAMETER.split(template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else "([^/]+?)" for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


def _templates(found: list[Operation]) -> list[Template]:
    by_id = {op.operation_id: op for op in found}
    templates = []
    for op in found:
        documented = by_id.get(op.alias_of or "", op)
        names = tuple(PARAMETER.findall(documented.path))
        if len(names) != len(PARAMETER.findall(op.path)):
            documented, names = op, tuple(PARAMETER.findall(op.path))
        literal = len(PARAMETER.sub("", op.path))
        templates.append(
            Template(op.method, documented.path, op.path, _pattern(op.path), names, literal)
        )
    return templates


@functools.cache
def _all_templates() -> dict[tuple[str, int], tuple[Template, ...]]:
    """Every documented template (core and Cloud), by method and number of segments, the most
    specific first."""
    found = list(operations())
    cloud = openapi_path().with_name("plane-v1-cloud.openapi.yaml")
    if cloud.exists():
        found += operations(load_openapi(cloud))
    grouped: dict[tuple[str, int], list[Template]] = {}
    for template in _templates(found):
        grouped.setdefault((template.method, template.written.count("/")), []).append(template)
    return {key: tuple(sorted(each, key=lambda t: -t.literal)) for key, each in grouped.items()}


@dataclass(frozen=True)
class Match:
    """The documented operation a path stood for."""

    template: str  # its documented path template
    parameters: dict[str, str]  # each path parameter, as sent (percent-encoded text kept)
    written: str  # the template in the spelling that was sent (an alias's, or the documented)


@functools.lru_cache(maxsize=4096)
def documented_operation(method: str, path: str) -> Match | None:
    """The documented operation `method path` stands for (the path from /api/v1/, no query);
    None when it is no documented operation's path. (Cached: treat the answer as read-only.)"""
    for template in _all_templates().get((method.upper(), path.count("/")), ()):
        found = template.pattern.match(path)
        if found is not None:
            values = dict(zip(template.parameters, found.groups(), strict=True))
            return Match(template.path, values, template.written)
    return None


def fill(template: str, parameters: dict[str, str]) -> str:
    """`template` with each {name} replaced by its value (KeyError when one is missing)."""
    return PARAMETER.sub(lambda m: parameters[m.group(1)], template)

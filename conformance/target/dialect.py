"""The target's dialect: extra body fields a create needs that the docs do not list.

Real Plane v1.3.1 refuses a documented cycle create with 400 "Project ID is required" unless the
body repeats the project id of the URL. The suite learns such a need once per process, from the
refusal itself: a 400 whose words name a *path parameter* of the operation that the body does not
carry. The create is sent again with that field (the path parameter's value); when the answer no
longer asks for it, the need is learned and every later create to that operation sends it.

What was learned is an *adaptation*: it shows in results.json (extra "adaptations") so a reader
sees how the suite had to talk to this target. The departure itself is judged once, by
SCHEMA-005, on the documented body; the steps that merely create objects go on the way that works.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from conformance.spec.openapi import operations

REFUSAL_LIMIT = 200  # characters of the refusal kept as the adaptation's evidence


@dataclass(frozen=True)
class Adaptation:
    """One extra body field the target needs for one documented operation."""

    operation: str  # "POST /api/v1/workspaces/{workspace_slug}/projects/{project_id}/cycles/"
    field: str  # the body field sent from now on
    source: str  # where its value comes from: "path parameter project_id"
    refusal: str  # the answer that asked for it: '400 {"error": "Project ID is required"}'

    def to_row(self) -> dict[str, str]:
        return asdict(self)


@functools.cache
def _post_templates() -> tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...]:
    """Every documented POST path as (regex with one group per parameter, template, names);
    the most literal templates first, so `.../cycles/` wins over `.../{cycle_id}/`."""
    found = []
    for op in operations():
        if op.method != "POST":
            continue
        names = tuple(re.findall(r"\{([^{}]+)\}", op.path))
        pattern = re.escape(op.path)
        for name in names:
            pattern = pattern.replace(re.escape(f"{{{name}}}"), "([^/]+)", 1)
        found.append((re.compile(f"^{pattern}$"), op.path, names))
    found.sort(key=lambda entry: len(entry[2]))
    return tuple(found)


def operation_of(path: str) -> tuple[str, dict[str, str]] | None:
    """The documented POST operation a concrete path belongs to, and its path parameters."""
    normalised = path if path.endswith("/") else path + "/"
    for pattern, template, names in _post_templates():
        match = pattern.match(normalised)
        if match:
            return template, dict(zip(names, match.groups(), strict=True))
    return None


def _squashed(text: str) -> str:
    """Lower-case letters and digits only: "Project ID", "project_id" and "projectId" agree."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def names_parameter(response: httpx.Response, parameter: str) -> bool:
    """Whether a refusal's words name `parameter` ("Project ID is required" names project_id)."""
    return _squashed(parameter) in _squashed(response.text)


class Dialect:
    """What this process learned about the target's creates (see the module docstring)."""

    def __init__(self) -> None:
        self._needs: dict[str, dict[str, str]] = {}  # operation -> field -> path parameter
        self.adaptations: list[Adaptation] = []
        self._reported = 0

    def adapt(self, path: str, body: Any) -> Any:
        """`body` with the fields learned for this operation, valued from `path`."""
        found = operation_of(path)
        if found is None or not isinstance(body, dict):
            return body
        template, params = found
        extra = {
            field: params[parameter]
            for field, parameter in self._needs.get(template, {}).items()
            if field not in body
        }
        return {**body, **extra} if extra else body

    def missing_parameter(
        self, path: str, body: Any, response: httpx.Response
    ) -> tuple[str, str] | None:
        """(field, value) when a 400 names a path parameter that the body does not carry."""
        found = operation_of(path)
        if response.status_code != 400 or found is None or not isinstance(body, dict):
            return None
        _, params = found
        for parameter, value in params.items():
            if parameter not in body and names_parameter(response, parameter):
                return parameter, value
        return None

    def learn(self, path: str, field: str, refusal: httpx.Response) -> Adaptation | None:
        found = operation_of(path)
        if found is None:
            return None
        template, _ = found
        self._needs.setdefault(template, {})[field] = field
        adaptation = Adaptation(
            operation=f"POST {template}",
            field=field,
            source=f"path parameter {field}",
            refusal=f"{refusal.status_code} {refusal.text[:REFUSAL_LIMIT]}",
        )
        self.adaptations.append(adaptation)
        return adaptation

    def take_new(self) -> list[dict[str, str]]:
        """The adaptations learned since the last call, as report rows."""
        new = self.adaptations[self._reported :]
        self._reported = len(self.adaptations)
        return [a.to_row() for a in new]

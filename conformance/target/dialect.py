"""The target's dialect: body fields a create needs although the docs do not ask for them.

Real Plane v1.3.1 refuses a documented cycle create with 400 "Project ID is required" unless the
body repeats the project id of the URL; Plane v1.0.0 refuses it with 400 {"owned_by": ["This
field is required."]}, though the create-cycle page lists `owned_by` as optional ("defaults to
the current user"). The suite learns such a need once per process, from the refusal itself: a
400 whose words name a *path parameter* of the operation that the body does not carry, or whose
error object has a key for a body field the body does not carry. The create is sent again, once,
with a sensible value: the path parameter's value, or, for a field that names a person, the key's
own user (`GET /users/me/`; never anybody else). When the answer no longer asks for it, the need
is learned and every later create to that operation sends it.

What was learned is an *adaptation*: it shows in results.json (extra "adaptations") so a reader
sees how the suite had to talk to this target. The departure itself is judged once, by
SCHEMA-005, on the documented body (a field the docs do not list, or list as optional, being
required); the steps that merely create objects go on the way that works.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from conformance.spec.openapi import operations

REFUSAL_LIMIT = 200  # characters of the refusal kept as the adaptation's evidence
# Names of an error body that carry its message, not a field (DRF, Plane, the reference).
MESSAGE_KEYS = frozenset({"error", "errors", "detail", "message", "non_field_errors", "code"})
# Body fields the docs describe as a person (Cycles: owned_by "User who owns the cycle"; Modules:
# lead; Projects: project_lead, default_assignee; Project members: member; Work items:
# assignees): the one person the suite may name is the key's own user.
USER_FIELDS = frozenset({"owned_by", "lead", "project_lead", "default_assignee", "member"})
USER_LIST_FIELDS = frozenset({"assignees", "members"})
ME = "the key's own user"  # the source of a user field's value


@dataclass(frozen=True)
class Adaptation:
    """One extra body field the target needs for one documented operation."""

    operation: str  # "POST /api/v1/workspaces/{workspace_slug}/projects/{project_id}/cycles/"
    field: str  # the body field sent from now on
    source: str  # where its value comes from: "path parameter project_id", "the key's own user"
    refusal: str  # the answer that asked for it: '400 {"error": "Project ID is required"}'

    def to_row(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Need:
    """A field a refusal asked for, and where its value comes from."""

    field: str
    source: str  # a path parameter's name, or ME

    def value(self, parameters: dict[str, str], me: Callable[[], str | None]) -> Any:
        if self.source != ME:
            return parameters.get(self.source)
        user = me()
        if user is None:
            return None
        return [user] if self.field in USER_LIST_FIELDS else user

    @property
    def described(self) -> str:
        return ME if self.source == ME else f"path parameter {self.source}"


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


def still_asks(status: int, text: str, field: str) -> bool:
    """Whether an answer to a create resent with `field` still asks for it (nothing learned)."""
    return status == 400 and (_squashed(field) in _squashed(text) or field in error_fields(text))


def error_fields(text: str) -> list[str]:
    """The fields an error object is keyed by (DRF style: {"owned_by": ["This field is
    required."]}), its message keys aside; none when the body is no JSON object."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    return [key for key in data if key not in MESSAGE_KEYS] if isinstance(data, dict) else []


def asked_for(parameters: dict[str, str], body: object, status: int, text: str) -> Need | None:
    """The field a 400 (`status`, `text`) to `body` asks for, when the suite has a sensible
    value for it: a path parameter its words name (the workspace slug aside), or a field naming
    a person that its error object is keyed by. None for anything else (the refusal is then
    what it is)."""
    if status != 400 or not isinstance(body, dict):
        return None
    for parameter in parameters:
        wanted = parameter != "workspace_slug" and parameter not in body
        if wanted and _squashed(parameter) in _squashed(text):
            return Need(parameter, parameter)
    for field in error_fields(text):
        if field not in body and field in USER_FIELDS | USER_LIST_FIELDS:
            return Need(field, ME)
    return None


class Dialect:
    """What this process learned about the target's creates (see the module docstring)."""

    def __init__(self) -> None:
        self._needs: dict[str, dict[str, Need]] = {}  # operation -> field -> its need
        self.adaptations: list[Adaptation] = []
        self._reported = 0

    def adapt(self, path: str, body: Any, me: Callable[[], str | None]) -> Any:
        """`body` with the fields learned for this operation (valued from `path`, or the key's
        own user)."""
        found = operation_of(path)
        if found is None or not isinstance(body, dict):
            return body
        template, params = found
        extra = {
            field: need.value(params, me)
            for field, need in self._needs.get(template, {}).items()
            if field not in body
        }
        extra = {field: value for field, value in extra.items() if value is not None}
        return {**body, **extra} if extra else body

    def missing(self, path: str, body: object, response: httpx.Response) -> Need | None:
        """The field a 400 to a create at `path` asks for (see `asked_for`)."""
        found = operation_of(path)
        if found is None:
            return None
        return asked_for(found[1], body, response.status_code, response.text)

    def parameters(self, path: str) -> dict[str, str]:
        found = operation_of(path)
        return found[1] if found is not None else {}

    def learn(self, path: str, need: Need, status: int, refusal: str) -> Adaptation | None:
        """From now on, creates at this operation send `need.field` (once per operation)."""
        found = operation_of(path)
        if found is None:
            return None
        template, _ = found
        if need.field in self._needs.get(template, {}):
            return None
        self._needs.setdefault(template, {})[need.field] = need
        adaptation = Adaptation(
            operation=f"POST {template}",
            field=need.field,
            source=need.described,
            refusal=f"{status} {refusal[:REFUSAL_LIMIT]}",
        )
        self.adaptations.append(adaptation)
        return adaptation

    def take_new(self) -> list[dict[str, str]]:
        """The adaptations learned since the last call, as report rows."""
        new = self.adaptations[self._reported :]
        self._reported = len(self.adaptations)
        return [a.to_row() for a in new]

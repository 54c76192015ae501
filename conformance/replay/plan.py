"""What a recorded exchange needs to be sent again: read from the record alone, no request sent.

The recording (`Exchange`, conformance/target/recording.py) keeps the documented path template
the request stood for, its path parameters as sent, and where each id it named came from
(`target/ids.py`). From that, every path parameter gets a role:

* `workspace`: the replay's workspace slug;
* `object`: an object the suite had (created, or found: the key's own user, a --project
  project): a new one of its kind is made in the replay's fresh project;
* `deleted`: an object the suite had deleted before the request: made, then deleted again;
* `unknown`: an id no answer had named (a probe of an unknown id): a new random one;
* `identifier`: a work item's project identifier and sequence number (`PROJ-12`): the new work
  item's;
* `literal`: anything else (a malformed id, `not-a-uuid`): sent as recorded.

The ids the query and the body name (the body's references: `{"new_cycle_id": ...}`) are
replaced the same way; an object the body names gets the kind its field says (`issues` a work
item, `new_cycle_id` a cycle, `assignees` the key's own user...). The key is sent as it was: the
configured one, none, or (for a recorded invalid key) another invalid one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from conformance.credentials import CREDENTIAL_HEADERS, OTHER_PLACEHOLDER, PLACEHOLDERS
from conformance.report.model import Exchange
from conformance.spec.templates import PARAMETER, documented_operation
from conformance.target.ids import UUID

Role = Literal["workspace", "object", "deleted", "unknown", "identifier", "literal"]
IDENTIFIERS = ("project_identifier", "issue_identifier")
CUT_MARK = re.compile(r"\.\.\. \[\d+ more characters\]$")  # the recorder's cut of a long body
# Headers the client sets itself (or that describe the old connection).
OWN_HEADERS = frozenset(
    {"host", "content-length", "accept", "accept-encoding", "connection", "user-agent"}
)
INVALID_KEY = "plc_replay_invalid_key_0000"  # another invalid key, for a recorded invalid one
# A body field's last word (without _id/_ids, singular) -> the kind of object it names.
FIELD_KINDS = {
    "issue": "work_item",
    "work_item": "work_item",
    "parent": "work_item",
    "related_issue": "work_item",
    "cycle": "cycle",
    "module": "module",
    "label": "label",
    "state": "state",
    "assignee": "member",
    "member": "member",
    "lead": "member",
    "user": "member",
    "project": "project",
    "comment": "comment",
    "link": "link",
}


class CannotReplay(Exception):
    """The exchange cannot be sent again; str() is one sentence saying why."""


@dataclass(frozen=True)
class Parameter:
    name: str
    recorded: str
    role: Role


@dataclass(frozen=True)
class Reference:
    """An id the query or body names, and how the replay replaces it."""

    recorded: str
    role: Role  # object, deleted (sent as unknown: it names nothing), unknown
    kind: str  # the kind of object, for `object`
    field: str  # where it stood ("new_cycle_id")


@dataclass(frozen=True)
class Key:
    """Which credential the request carried: the configured one, none, or another one."""

    choice: Literal["configured", "none", "other"]
    header: str | None = None  # the header's spelling as sent (AUTH-008 varies it)
    value: str = ""  # for "other": what to send instead of the recorded (redacted) value


@dataclass(frozen=True)
class Plan:
    method: str
    template: str  # the documented path template ("" when the path is no documented one)
    written: str  # the template in the spelling that was sent (an alias's, or the documented)
    path: str  # the recorded API path ("/api/v1/..."), without the query
    parameters: tuple[Parameter, ...]
    query: str  # the recorded query string ("" for none)
    body: str | None
    headers: dict[str, str]
    key: Key
    references: tuple[Reference, ...] = field(default=())
    recorded_status: int | None = None
    recorded_body: str | None = None

    @property
    def label(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.method} {self.template or self.path}{query}"

    def needs_objects(self) -> bool:
        return any(p.role in ("object", "deleted", "identifier") for p in self.parameters) or any(
            r.role == "object" and r.kind not in ("member",) for r in self.references
        )


def api_path(url: str) -> str:
    """The path of `url` from /api/ on (a gateway's mount path taken off)."""
    path = urlsplit(url).path
    index = path.find("/api/")
    return path[index:] if index >= 0 else path


def _role(name: str, value: str, origin: str | None) -> Role:
    if name == "workspace_slug":
        return "workspace"
    if name in IDENTIFIERS:
        return "identifier"
    if UUID.fullmatch(value) is None:
        return "literal"
    if origin == "unknown":
        return "unknown"
    if origin == "deleted":
        return "deleted"
    return "object"  # created or existing (an older report without origins: the run's)


def _key(headers: dict[str, str]) -> Key:
    for name, value in headers.items():
        if name.lower() not in CREDENTIAL_HEADERS:
            continue
        if any(placeholder in value for placeholder in PLACEHOLDERS):
            return Key("configured", name)
        if OTHER_PLACEHOLDER in value or value.strip():
            return Key("other", name, INVALID_KEY)
        return Key("other", name, "")  # an empty key
    return Key("none")


def kind_of_field(name: str) -> str | None:
    """The kind of object a body field names: "new_cycle_id" -> cycle, "issues" -> work_item."""
    word = re.sub(r"_ids?$", "", name.lower())
    candidates = [word, word.rsplit("_", 1)[-1]]
    for candidate in candidates:
        for each in (candidate, candidate.removesuffix("s")):
            if each in FIELD_KINDS:
                return FIELD_KINDS[each]
    return None


def _fields_of(value: object, where: str = "") -> list[tuple[str, str]]:
    """(field, string) for every string of a JSON value, a list's items under its field."""
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _fields_of(item, str(key))]
    if isinstance(value, list):
        return [pair for item in value for pair in _fields_of(item, where)]
    return [(where, value)] if isinstance(value, str) else []


def _references(exchange: Exchange, query: str, taken: set[str]) -> list[Reference]:
    fields: list[tuple[str, str]] = []
    if exchange.request_body:
        try:
            fields = _fields_of(json.loads(exchange.request_body))
        except ValueError:
            fields = [("", exchange.request_body)]
    fields += [("", query)]
    references: dict[str, Reference] = {}
    for where, text in fields:
        for value in UUID.findall(text):
            value = value.lower()
            if value in taken or value in references:
                continue
            origin = exchange.ids.get(value)
            if origin == "unknown" or origin == "deleted":
                references[value] = Reference(value, "unknown", "", where)
                continue
            kind = kind_of_field(where) if where else None
            if kind is None:
                raise CannotReplay(
                    f"the request names {value}{f' in {where}' if where else ''}, an object the "
                    "replay does not know how to make"
                )
            references[value] = Reference(value, "object", kind, where)
    return list(references.values())


def plan_of(exchange: Exchange) -> Plan:
    """The plan to send `exchange` again (CannotReplay when the record does not allow it)."""
    if exchange.request_body and CUT_MARK.search(exchange.request_body):
        raise CannotReplay("the recorded request body was cut (it was too long to keep)")
    path = api_path(exchange.url)
    query = urlsplit(exchange.url).query
    match = documented_operation(exchange.method, path)
    template = exchange.path_template or (match.template if match else "")
    written = match.written if match else ""
    values = match.parameters if match else {}
    parameters = tuple(
        Parameter(name, value, _role(name, value, exchange.ids.get(value.lower())))
        for name, value in (exchange.path_params or values).items()
    )
    if not template:
        named = [v for v in UUID.findall(path) if exchange.ids.get(v.lower()) != "unknown"]
        if named:
            raise CannotReplay(
                f"{path} is no documented operation's path, and it names objects of the run "
                "that the replay cannot make again"
            )
    taken = {p.recorded.lower() for p in parameters}
    headers = {
        name: value
        for name, value in exchange.request_headers.items()
        if name.lower() not in OWN_HEADERS and name.lower() not in CREDENTIAL_HEADERS
    }
    return Plan(
        method=exchange.method,
        template=template,
        written=written,
        path=path,
        parameters=parameters,
        query=query,
        body=exchange.request_body,
        headers=headers,
        key=_key(exchange.request_headers),
        references=tuple(_references(exchange, query, taken)),
        recorded_status=exchange.status,
        recorded_body=exchange.response_body,
    )


def fill_written(plan: Plan, values: dict[str, str]) -> str:
    """The path in the spelling that was sent, with the replay's values (by position: an older
    spelling may name its parameters otherwise)."""
    if not plan.written:
        return plan.path
    ordered = iter([values[p.name] for p in plan.parameters])
    return PARAMETER.sub(lambda _: next(ordered), plan.written)


def replace_ids(text: str, mapping: dict[str, str]) -> str:
    """`text` with every id of `mapping` replaced by its new value (any letter case)."""
    if not mapping:
        return text
    return UUID.sub(lambda m: mapping.get(m.group(0).lower(), m.group(0)), text)

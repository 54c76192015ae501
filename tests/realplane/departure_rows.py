"""The departure rows: per Plane release, a small declarative table of requests whose real answers
are departures (from the docs, or from the release the reference follows by default), replayed
against the real server and against the stand-in (`--plane-VERSION`); both must answer alike.

The tables are `tests/realplane/departures/plane-vVERSION.yaml`, one row a request:

    - id: AUTH-004 invalid key                 # unique in the table; the departure it shows
      behaviour: invalid-key-403               # the stand-in's behaviour that answers so, if any
      method: GET                              # default GET
      path: /api/v1/users/me/                  # placeholders below; no trailing slash = as sent
      key: invalid                             # admin (default), member, guest, invalid, none,
                                               # bearer (an access token no server issued)
      params: {per_page: 101}                  # query parameters
      body: {name: "plc {tag}"}                # JSON body
      content: "plc not json"                  # or a raw body, sent as application/json
      values: [next_cursor]                    # top-level fields whose values must be equal too
      headers: [x-ratelimit-remaining, location]  # headers whose presence must be equal too

Compared: the status, the body's shape (field names and JSON types, conformance.shapes), and
what `values` and `headers` name. Placeholders, filled per server from a scratch project made
the same way on both (a label, two work items under `issues/`, which every release routes, a
cycle that has ended, an attachment not uploaded yet): {ws} the workspace's URL, {project} the
project's, {item} the first work item's (`.../issues/{id}`; {item_id} its id), {cycle} the
cycle's, {attachment} the attachment's (under `issue-attachments/`), {unknown} an id of
nothing, {tag} a fresh word, {me} the key's user id, {identifier} the project's identifier.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from conformance.shapes.model import body_shape, flatten
from conformance.target.client import is_json_media_type

TABLES = Path(__file__).resolve().parent / "departures"
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"
KEYS = ("admin", "member", "guest", "invalid", "none", "bearer")
INVALID_KEY = "plane_api_" + "0" * 32
UNKNOWN_TOKEN = "plc_token_" + "0" * 32  # sent as `Authorization: Bearer`


@dataclass(frozen=True)
class Row:
    id: str
    path: str
    behaviour: str = ""  # the stand-in's behaviour that answers so ("": one of its fixed rules)
    method: str = "GET"
    key: str = "admin"
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    content: str | None = None  # a raw body instead (sent as application/json, as a client would)
    values: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()


def table_path(release: str) -> Path:
    return TABLES / f"plane-v{release}.yaml"


def load_rows(release: str) -> list[Row]:
    """The release's table; its ids are unique and its keys known."""
    document = yaml.safe_load(table_path(release).read_text(encoding="utf-8")) or {}
    rows = [
        Row(
            id=str(entry["id"]),
            behaviour=str(entry.get("behaviour", "")),
            path=str(entry["path"]),
            method=str(entry.get("method", "GET")).upper(),
            key=str(entry.get("key", "admin")),
            params=dict(entry.get("params") or {}),
            body=entry.get("body"),
            content=entry.get("content"),
            values=tuple(entry.get("values") or ()),
            headers=tuple(str(h).lower() for h in entry.get("headers") or ()),
        )
        for entry in document.get("rows", [])
    ]
    ids = [row.id for row in rows]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"{table_path(release).name}: ids used twice: {duplicated}")
    unknown = [row.id for row in rows if row.key not in KEYS]
    if unknown:
        raise ValueError(f"{table_path(release).name}: unknown key in rows {unknown}")
    return rows


@dataclass(frozen=True)
class Server:
    """Where to send the rows: a base URL, the workspace, and the keys by role."""

    base_url: str
    workspace: str
    keys: dict[str, str | None] = field(repr=False)


@dataclass(frozen=True)
class Answer:
    status: int
    shape: dict[str, str]
    values: dict[str, Any]
    headers: dict[str, bool]

    def differences(self, other: Answer) -> list[str]:
        """How `other` (the stand-in's answer) differs from this one (the real one)."""
        lines = []
        if self.status != other.status:
            lines.append(f"status {self.status} vs {other.status}")
        for path in sorted(set(self.shape) | set(other.shape)):
            mine, theirs = self.shape.get(path, "absent"), other.shape.get(path, "absent")
            if mine != theirs:
                lines.append(f"{path}: {mine} vs {theirs}")
        lines += [
            f"value of {name}: {self.values[name]!r} vs {other.values.get(name)!r}"
            for name in self.values
            if self.values[name] != other.values.get(name)
        ]
        lines += [
            f"header {name}: {'present' if here else 'absent'} vs "
            f"{'present' if other.headers.get(name) else 'absent'}"
            for name, here in self.headers.items()
            if here != other.headers.get(name)
        ]
        return lines


class KeyMissing(RuntimeError):
    """The row asks for a key (member, guest) the server was not given."""


class Scratch:
    """The objects the rows point at, made on one server, and removed again."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.base_url, timeout=60, follow_redirects=False)
        self.tag = secrets.token_hex(3)
        self.fill: dict[str, str] = {}

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"X-API-Key": str(self.server.keys["admin"])}
        answer = self.http.request(method, path, json=body, headers=headers)
        if not answer.is_success:
            raise RuntimeError(f"setup {method} {path} answered {answer.status_code}")
        return answer.json() if answer.content else None

    def __enter__(self) -> Scratch:
        ws = f"/api/v1/workspaces/{self.server.workspace}"
        me = self._send("GET", "/api/v1/users/me/")["id"]
        identifier = "PLR" + "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(4))
        body = {"name": f"plc rows {self.tag}", "identifier": identifier}
        project = self._send("POST", f"{ws}/projects/", body)
        url = f"{ws}/projects/{project['id']}"
        self.fill = {"ws": ws, "project": url, "me": me, "identifier": identifier}
        self.fill |= {"unknown": UNKNOWN_ID, "tag": self.tag}
        self._send("PATCH", f"{url}/", {"cycle_view": True, "module_view": True})
        self._send("POST", f"{url}/labels/", {"name": f"plc first {self.tag}"})
        items = [
            self._send("POST", f"{url}/issues/", {"name": f"plc row item {n}"})["id"]
            for n in range(2)
        ]
        self.fill["item"] = f"{url}/issues/{items[0]}"
        self.fill["item_id"] = items[0]
        cycle = {"name": f"plc ended {self.tag}", "owned_by": me, "project_id": project["id"]}
        cycle |= {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-01-08T00:00:00Z"}
        self.fill["cycle"] = f"{url}/cycles/{self._send('POST', f'{url}/cycles/', cycle)['id']}"
        upload = {"name": f"plc {self.tag}.txt", "size": 3, "type": "text/plain"}
        attachments = f"{self.fill['item']}/issue-attachments/"
        self.fill["attachment"] = attachments + self._send("POST", attachments, upload)["asset_id"]
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(httpx.HTTPError, RuntimeError, KeyError):
            self._send("DELETE", self.fill["project"] + "/")
        self.http.close()

    def _filled(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.format(**self.fill)
        if isinstance(value, dict):
            return {k: self._filled(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._filled(v) for v in value]
        return value

    def replay(self, row: Row) -> Answer:
        headers = {}
        if row.key == "invalid":
            headers["X-API-Key"] = INVALID_KEY
        elif row.key == "bearer":
            headers["Authorization"] = f"Bearer {UNKNOWN_TOKEN}"
        elif row.key != "none":
            key = self.server.keys.get(row.key)
            if not key:
                raise KeyMissing(f"{row.id}: no {row.key} key for {self.server.base_url}")
            headers["X-API-Key"] = key
        if row.content is not None:
            headers["Content-Type"] = "application/json"
        answer = self.http.request(
            row.method,
            self._filled(row.path),
            params=self._filled(row.params),
            json=self._filled(row.body) if row.content is None else None,
            content=None if row.content is None else self._filled(row.content).encode(),
            headers=headers,
        )
        is_json = is_json_media_type(answer.headers.get("content-type"))
        value: Any = None
        if answer.content and is_json:
            try:
                value = answer.json()
            except ValueError:
                is_json = False
        shape = flatten(body_shape(answer.content, value, is_json=is_json))
        values = {name: value.get(name) if isinstance(value, dict) else None for name in row.values}
        present = {name: name in answer.headers for name in row.headers}
        return Answer(answer.status_code, shape, values, present)

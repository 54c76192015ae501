"""The recorder's machinery: one request at a time into the recording, sections that give up
cleanly, what the target does not serve, and what is left to delete.

`RecorderSession` holds the state of one recording run; the walks over the resources
(walk_project.py, walk_items.py, walk_workspace.py) and the scenario (recorder.py) build on it.
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.shapes.model import Recording, ResponseKey, Shape, body_shape, merge
from conformance.target.client import TargetClient, is_json_media_type

NAME_PREFIX = "plc shapes"
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"  # well-formed, never created
ACTIVITY_WAIT_S = 20.0  # Plane writes activities from a Celery worker, a moment after the change
LINK_WAIT_S = 3.0  # ... and a link's metadata too (a server that never fills it costs this wait)
NOT_SERVED = "not served by the target (404)"

WS = "/api/v1/workspaces/{workspace_slug}"
PROJECT = WS + "/projects/{project_id}"
# The two spellings of work items: (collection segment, attachments segment)
SPELLINGS = (("work-items", "attachments"), ("issues", "issue-attachments"))

# Success paths that cannot be exercised without object storage; their error paths are.
NEEDS_STORAGE = {
    ("POST", "/api/v1/assets/user-assets/"): "upload: needs object storage",
    ("PATCH", "/api/v1/assets/user-assets/{asset_id}/"): "upload: needs an uploaded asset",
    ("DELETE", "/api/v1/assets/user-assets/{asset_id}/"): "upload: needs an uploaded asset",
    ("POST", WS + "/assets/"): "upload: needs object storage",
    ("GET", WS + "/assets/{asset_id}/"): "upload: needs an uploaded asset",
    ("PATCH", WS + "/assets/{asset_id}/"): "upload: needs an uploaded asset",
    **{
        (method, f"{PROJECT}/{kind}/{{work_item_id}}/{att}/{tail}"): "upload: needs object storage"
        for kind, att in SPELLINGS
        for method, tail in (
            ("POST", ""),
            ("GET", "{resource_id}/"),
            ("PATCH", "{resource_id}/"),
            ("DELETE", "{resource_id}/"),
        )
    },
}


class SectionAbandoned(Exception):
    """A step a section depends on did not succeed: the rest of that section is skipped."""


@dataclass
class RecorderResult:
    recording: Recording
    # "METHOD template" (or "METHOD template STATUS") -> why it is not in the recording
    not_recorded: dict[str, str]
    abandoned: list[str] = field(default_factory=list)  # "section: reason"
    requests: int = 0


def stamp(days: int) -> str:
    """Midnight UTC `days` from today, as the API's datetimes are written."""
    today = datetime.datetime.now(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


class RecorderSession:
    """The state of one recording run against one target, and the requests that feed it."""

    def __init__(self, client: TargetClient, *, wait: Callable[[float], None] = time.sleep):
        self.client = client
        self.workspace = client.workspace
        self.recording: Recording = {}
        self.not_recorded: dict[str, str] = {}
        self.abandoned: list[str] = []
        self.unserved: list[str] = []  # template prefixes the target answered 404 for
        self.tag = secrets.token_hex(3)
        self._wait = wait
        self._cleanup: list[str] = []  # concrete paths to DELETE at the end, newest last
        self.me: str = ""
        self.project: dict[str, Any] = {}
        self.state_id: str | None = None
        self.label_id: str | None = None
        self.extra_items: list[str] = []  # one more work item per spelling

    @property
    def pid(self) -> str:
        return str(self.project["id"])

    # -- requests -----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        template: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        keep: Callable[[Any], bool] | None = None,
        record: bool = True,
        ids: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request to the template filled with `ids`; fold its answer's shape into
        the recording. `keep` filters the items of a list answer (workspace-wide lists)."""
        path = template.format(workspace_slug=self.workspace, **(ids or {}))
        response = self.client.request(method, path, json=json, params=params)
        if record:
            self.fold((method, template, response.status_code), response, keep)
        return response

    def fold(self, key: ResponseKey, response: httpx.Response, keep: Any = None) -> None:
        is_json = is_json_media_type(response.headers.get("content-type"))
        value: Any = None
        if response.content and is_json:
            try:
                value = response.json()
            except ValueError:
                is_json = False
        if keep is not None and value is not None:
            value = _filtered(value, keep)
        shape: Shape = body_shape(response.content, value, is_json=is_json)
        old = self.recording.get(key)
        self.recording[key] = shape if old is None else merge(old, shape)

    def need(self, response: httpx.Response, what: str) -> dict[str, Any]:
        """The JSON object of a 2xx answer, or abandon the section."""
        if not 200 <= response.status_code < 300:
            raise SectionAbandoned(f"{what} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise SectionAbandoned(f"{what} answered a body that is not JSON") from None
        if not isinstance(body, dict):
            raise SectionAbandoned(f"{what} answered {type(body).__name__}, not an object")
        return body

    def need_id(self, response: httpx.Response, what: str) -> str:
        body = self.need(response, what)
        if not isinstance(body.get("id"), str):
            raise SectionAbandoned(f"{what} answered no id")
        return str(body["id"])

    def owned(self, path: str) -> None:
        self._cleanup.append(path)

    def disowned(self, path: str) -> None:
        if path in self._cleanup:
            self._cleanup.remove(path)

    def probe_served(
        self, method: str, template: str, json: Any = None, ids: Mapping[str, str] | None = None
    ) -> None:
        """An operation some editions do not serve: a 404 (with valid ids) means "not served",
        noted instead of recorded; any other answer is recorded. The body is harmless ({})."""
        response = self.call(method, template, json=json, record=False, ids=ids)
        if response.status_code == 404:
            self.not_recorded[f"{method} {template}"] = NOT_SERVED
        else:
            self.fold((method, template, response.status_code), response)

    def served(self, collection: str, *prefixes: str, ids: Mapping[str, str] | None = None) -> bool:
        """Whether the target routes a section at all, asked once by a GET of its collection
        (not recorded): a 404 there, with valid ids, means every operation under `prefixes`
        (default: the collection) is not served, which the recording notes. Releases differ
        in what they route (v1.0.0 has no work-items/ spelling, no stickies, ...)."""
        response = self.call("GET", collection, record=False, ids=ids)
        if response.status_code != 404:
            return True
        self.unserved.extend(prefixes or (collection,))
        return False

    def is_unserved(self, template: str) -> bool:
        return any(template.startswith(prefix) for prefix in self.unserved)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        try:
            yield
        except SectionAbandoned as reason:
            self.abandoned.append(f"{name}: {reason}")

    # -- the common walk ----------------------------------------------------------------------

    def crud(
        self,
        collection: str,
        detail: str,
        id_name: str,
        create: dict[str, Any],
        update: dict[str, Any],
        *,
        invalid: dict[str, Any] | None = None,
        what: str,
        keep_mine: bool = False,
        ids: Mapping[str, str] | None = None,
        settle: Callable[[str], None] | None = None,
    ) -> str:
        """list, invalid create, create, read, update, unknown id: the common walk. `settle(id)`
        runs after the create, for what a server completes in the background."""
        values = ids or {}
        self.call("POST", collection, json=invalid if invalid is not None else {}, ids=values)
        new_id = self.need_id(
            self.call("POST", collection, json=create, ids=values), f"{what} create"
        )
        if settle:
            settle(new_id)
        mine = {new_id}
        keep = (lambda item: item_id(item) in mine) if keep_mine else None
        self.call("GET", collection, keep=keep, ids=values)
        self.call("GET", detail, ids={id_name: new_id, **values})
        self.call("GET", detail, ids={id_name: UNKNOWN_ID, **values})
        self.call("PATCH", detail, json=update, ids={id_name: new_id, **values})
        self.call("PATCH", detail, json=update, ids={id_name: UNKNOWN_ID, **values})
        return new_id

    def delete_twice(
        self, detail: str, id_name: str, the_id: str, ids: Mapping[str, str] | None = None
    ) -> None:
        """Delete the object, then an unknown id."""
        values = ids or {}
        self.call("DELETE", detail, ids={id_name: the_id, **values})
        self.call("DELETE", detail, ids={id_name: UNKNOWN_ID, **values})

    def cleanup(self) -> None:
        """Delete what the scenario created and did not delete itself (after a failure)."""
        for path in reversed(self._cleanup):
            with suppress(httpx.HTTPError):
                self.client.request("DELETE", path)
        self._cleanup.clear()


def item_id(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else None


def _filtered(value: Any, keep: Callable[[Any], bool]) -> Any:
    """Keep only the wanted items of a list answer: a bare array, `results`, or `issues`."""
    if isinstance(value, list):
        return [item for item in value if keep(item)]
    if isinstance(value, dict):
        for name in ("results", "issues"):
            if isinstance(value.get(name), list):
                return {**value, name: [item for item in value[name] if keep(item)]}
    return value


def results_of(response: httpx.Response) -> list[Any]:
    """The items of a list answer (a bare array or a page's `results`), else []."""
    try:
        body = response.json()
    except ValueError:
        return []
    if isinstance(body, dict):
        body = body.get("results")
    return body if isinstance(body, list) else []


def next_cursor(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("next_page_results") and body.get("next_cursor"):
        return str(body["next_cursor"])
    return None

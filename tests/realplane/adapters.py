"""Two published Plane clients behind the differential scenario's Adapter interface.

- plane-sdk 0.3.2 (`plane.PlaneClient`): Plane's own synchronous SDK, pydantic models. A result is
  read back with `model_dump(exclude_unset=True)`: the fields the server sent, as the model typed
  them. An HttpError carries the status.
- plane-py 1.1.0 (`plane_py.PlaneClient`): a small async client (aiohttp), dataclass results. It
  swallows most HTTP errors (logs them, returns [] or False, or raises a bare PlaneError), so the
  adapter notes the statuses its `_request` meets during a step. Two gaps of the library are
  bridged through that same `_request` (the client's own transport): it has no users/me and no
  paging parameters, and its create_cycle drops `project_id`, which Plane v1.3.1 requires.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Coroutine
from typing import Any

import aiohttp
import plane_py
from plane import PlaneClient
from plane.errors import HttpError
from plane.models.cycles import CreateCycle, UpdateCycle
from plane.models.labels import CreateLabel, UpdateLabel
from plane.models.modules import CreateModule, UpdateModule
from plane.models.projects import CreateProject, UpdateProject
from plane.models.query_params import WorkItemQueryParams
from plane.models.states import CreateState, UpdateState
from plane.models.work_items import (
    CreateWorkItem,
    CreateWorkItemComment,
    CreateWorkItemLink,
    UpdateWorkItem,
    UpdateWorkItemComment,
    UpdateWorkItemLink,
)
from pydantic import BaseModel

VIEWS = {"cycle_view": True, "module_view": True}


class PlaneSdkAdapter:
    name = "plane-sdk"

    def __init__(self, base_url: str, api_key: str, workspace: str) -> None:
        self.sdk = PlaneClient(base_url=base_url, api_key=api_key)
        self.ws = workspace

    def salvage(self, error: BaseException) -> Any:
        return None  # plane-sdk reads what it got or raises before anything was created

    def outcome_of(self, error: BaseException) -> str:
        if isinstance(error, HttpError) and error.status_code:
            return f"error {error.status_code}"
        return f"error {type(error).__name__}"

    def as_json(self, value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json", exclude_unset=True)
        if isinstance(value, list):
            return [self.as_json(item) for item in value]
        return value

    def me(self) -> Any:
        return self.sdk.users.get_me()

    def create_project(self, name: str, identifier: str) -> Any:
        return self.sdk.projects.create(self.ws, CreateProject(name=name, identifier=identifier))

    def enable_views(self, project_id: str) -> Any:
        return self.sdk.projects.update(self.ws, project_id, UpdateProject(**VIEWS))

    def get_project(self, project_id: str) -> Any:
        return self.sdk.projects.retrieve(self.ws, project_id)

    def list_projects(self) -> Any:
        return self.sdk.projects.list(self.ws)

    def delete_project(self, project_id: str) -> Any:
        return self.sdk.projects.delete(self.ws, project_id)

    def create_state(self, pid: str, name: str, color: str, group: str) -> Any:
        data = CreateState(name=name, color=color, group=group)  # type: ignore[arg-type]
        return self.sdk.states.create(self.ws, pid, data)

    def update_state(self, pid: str, state_id: str, name: str) -> Any:
        return self.sdk.states.update(self.ws, pid, state_id, UpdateState(name=name))

    def list_states(self, pid: str) -> Any:
        return self.sdk.states.list(self.ws, pid)

    def delete_state(self, pid: str, state_id: str) -> Any:
        return self.sdk.states.delete(self.ws, pid, state_id)

    def create_label(self, pid: str, name: str, color: str) -> Any:
        return self.sdk.labels.create(self.ws, pid, CreateLabel(name=name, color=color))

    def update_label(self, pid: str, label_id: str, name: str) -> Any:
        return self.sdk.labels.update(self.ws, pid, label_id, UpdateLabel(name=name))

    def list_labels(self, pid: str) -> Any:
        return self.sdk.labels.list(self.ws, pid)

    def delete_label(self, pid: str, label_id: str) -> Any:
        return self.sdk.labels.delete(self.ws, pid, label_id)

    def create_work_item(self, pid: str, name: str, **fields: Any) -> Any:
        return self.sdk.work_items.create(self.ws, pid, CreateWorkItem(name=name, **fields))

    def get_work_item(self, pid: str, wid: str) -> Any:
        return self.sdk.work_items.retrieve(self.ws, pid, wid)

    def update_work_item(self, pid: str, wid: str, name: str, priority: str) -> Any:
        data = UpdateWorkItem(name=name, priority=priority)  # type: ignore[arg-type]
        return self.sdk.work_items.update(self.ws, pid, wid, data)

    def list_work_items(self, pid: str, per_page: int, cursor: str | None) -> Any:
        params = WorkItemQueryParams(per_page=per_page, cursor=cursor)
        return self.sdk.work_items.list(self.ws, pid, params)

    def delete_work_item(self, pid: str, wid: str) -> Any:
        return self.sdk.work_items.delete(self.ws, pid, wid)

    def create_comment(self, pid: str, wid: str, html: str) -> Any:
        data = CreateWorkItemComment(comment_html=html)
        return self.sdk.work_items.comments.create(self.ws, pid, wid, data)

    def update_comment(self, pid: str, wid: str, cid: str, html: str) -> Any:
        data = UpdateWorkItemComment(comment_html=html)
        return self.sdk.work_items.comments.update(self.ws, pid, wid, cid, data)

    def list_comments(self, pid: str, wid: str) -> Any:
        return self.sdk.work_items.comments.list(self.ws, pid, wid)

    def delete_comment(self, pid: str, wid: str, cid: str) -> Any:
        return self.sdk.work_items.comments.delete(self.ws, pid, wid, cid)

    def create_link(self, pid: str, wid: str, url: str, title: str) -> Any:
        data = CreateWorkItemLink(url=url, title=title)
        return self.sdk.work_items.links.create(self.ws, pid, wid, data)

    def update_link(self, pid: str, wid: str, lid: str, title: str) -> Any:
        data = UpdateWorkItemLink(title=title)
        return self.sdk.work_items.links.update(self.ws, pid, wid, lid, data)

    def list_links(self, pid: str, wid: str) -> Any:
        return self.sdk.work_items.links.list(self.ws, pid, wid)

    def delete_link(self, pid: str, wid: str, lid: str) -> Any:
        return self.sdk.work_items.links.delete(self.ws, pid, wid, lid)

    def create_cycle(self, pid: str, name: str, start: str, end: str, owner: str) -> Any:
        data = CreateCycle(
            name=name, start_date=start, end_date=end, owned_by=owner, project_id=pid
        )
        return self.sdk.cycles.create(self.ws, pid, data)

    def update_cycle(self, pid: str, cycle_id: str, name: str) -> Any:
        return self.sdk.cycles.update(self.ws, pid, cycle_id, UpdateCycle(name=name))

    def get_cycle(self, pid: str, cycle_id: str) -> Any:
        return self.sdk.cycles.retrieve(self.ws, pid, cycle_id)

    def add_to_cycle(self, pid: str, cycle_id: str, items: list[str]) -> Any:
        return self.sdk.cycles.add_work_items(self.ws, pid, cycle_id, items)

    def list_cycle_items(self, pid: str, cycle_id: str) -> Any:
        return self.sdk.cycles.list_work_items(self.ws, pid, cycle_id)

    def remove_from_cycle(self, pid: str, cycle_id: str, wid: str) -> Any:
        return self.sdk.cycles.remove_work_item(self.ws, pid, cycle_id, wid)

    def delete_cycle(self, pid: str, cycle_id: str) -> Any:
        return self.sdk.cycles.delete(self.ws, pid, cycle_id)

    def create_module(self, pid: str, name: str) -> Any:
        return self.sdk.modules.create(self.ws, pid, CreateModule(name=name))

    def update_module(self, pid: str, module_id: str, name: str) -> Any:
        return self.sdk.modules.update(self.ws, pid, module_id, UpdateModule(name=name))

    def get_module(self, pid: str, module_id: str) -> Any:
        return self.sdk.modules.retrieve(self.ws, pid, module_id)

    def add_to_module(self, pid: str, module_id: str, items: list[str]) -> Any:
        return self.sdk.modules.add_work_items(self.ws, pid, module_id, items)

    def list_module_items(self, pid: str, module_id: str) -> Any:
        return self.sdk.modules.list_work_items(self.ws, pid, module_id)

    def remove_from_module(self, pid: str, module_id: str, wid: str) -> Any:
        return self.sdk.modules.remove_work_item(self.ws, pid, module_id, wid)

    def delete_module(self, pid: str, module_id: str) -> Any:
        return self.sdk.modules.delete(self.ws, pid, module_id)


class _NotingPlanePy(plane_py.PlaneClient):
    """plane-py's client, noting the HTTP status of every request it sends."""

    def __init__(self, api_token: str, workspace_slug: str, base_url: str) -> None:
        super().__init__(api_token=api_token, workspace_slug=workspace_slug, base_url=base_url)
        self.failures: list[int] = []
        self.last_body: Any = None  # the last JSON answer, for when the library fails to read it

    async def _request(self, method: str, endpoint: str, **kwargs: Any) -> Any:
        try:
            self.last_body = await super()._request(method, endpoint, **kwargs)
            return self.last_body
        except aiohttp.ClientResponseError as error:
            self.failures.append(error.status)
            raise
        except plane_py.errors.NotFoundError:
            self.failures.append(404)
            raise


class PlanePyAdapter:
    name = "plane-py"

    def __init__(self, base_url: str, api_key: str, workspace: str) -> None:
        self.client = _NotingPlanePy(api_key, workspace, base_url)
        self.ws = workspace

    def _run(self, work: Coroutine[Any, Any, Any]) -> Any:
        """Run one client call; an HTTP error it swallowed still makes the step an error."""
        self.client.failures.clear()
        self.client.last_body = None
        result = asyncio.run(work)
        if self.client.failures:
            raise _SwallowedHttpError(self.client.failures[0])
        return result

    def _raw(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._run(self.client._request(method, path, **kwargs))

    def salvage(self, error: BaseException) -> Any:
        """What the server answered when plane-py failed to read a 2xx answer (its dataclasses
        require fields Plane v1.3.1 no longer sends, e.g. a project's `inbox_view`): the
        scenario goes on with it, the step stays an error."""
        if self.client.failures or not isinstance(self.client.last_body, dict):
            return None
        return self.client.last_body

    def outcome_of(self, error: BaseException) -> str:
        if isinstance(error, _SwallowedHttpError):
            return f"error {error.status}"
        if self.client.failures:
            return f"error {self.client.failures[0]}"
        return f"error {type(error).__name__}"

    def as_json(self, value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.asdict(value)
        if isinstance(value, list):
            return [self.as_json(item) for item in value]
        return value

    def me(self) -> Any:
        return self._raw("GET", "/api/v1/users/me/")

    def create_project(self, name: str, identifier: str) -> Any:
        return self._run(self.client.create_project(name, identifier))

    def enable_views(self, project_id: str) -> Any:
        return self._run(self.client.update_project(project_id, **VIEWS))

    def get_project(self, project_id: str) -> Any:
        return self._run(self.client.get_project_details(project_id))

    def list_projects(self) -> Any:
        return self._run(self.client.get_projects())

    def delete_project(self, project_id: str) -> Any:
        return self._run(self.client.delete_project(project_id))

    def create_state(self, pid: str, name: str, color: str, group: str) -> Any:
        return self._run(self.client.create_state(name, color, pid, group=group))

    def update_state(self, pid: str, state_id: str, name: str) -> Any:
        return self._run(self.client.update_state(pid, state_id, name=name))

    def list_states(self, pid: str) -> Any:
        return self._run(self.client.get_states(pid))

    def delete_state(self, pid: str, state_id: str) -> Any:
        return self._run(self.client.delete_state(pid, state_id))

    def create_label(self, pid: str, name: str, color: str) -> Any:
        return self._run(self.client.create_label(name, pid, color=color))

    def update_label(self, pid: str, label_id: str, name: str) -> Any:
        return self._run(self.client.update_label(name, pid, label_id))

    def list_labels(self, pid: str) -> Any:
        return self._run(self.client.get_labels(pid))

    def delete_label(self, pid: str, label_id: str) -> Any:
        return self._run(self.client.delete_label(pid, label_id))

    def create_work_item(self, pid: str, name: str, **fields: Any) -> Any:
        return self._run(self.client.create_issue(name, pid, **fields))

    def get_work_item(self, pid: str, wid: str) -> Any:
        return self._run(self.client.get_issue_details(pid, wid))

    def update_work_item(self, pid: str, wid: str, name: str, priority: str) -> Any:
        return self._run(self.client.update_issue(name, pid, wid, priority=priority))

    def list_work_items(self, pid: str, per_page: int, cursor: str | None) -> Any:
        params: dict[str, Any] = {"per_page": per_page, **({"cursor": cursor} if cursor else {})}
        path = f"/api/v1/workspaces/{self.ws}/projects/{pid}/issues/"
        return self._raw("GET", path, params=params)

    def delete_work_item(self, pid: str, wid: str) -> Any:
        return self._run(self.client.delete_issue(pid, wid))

    def create_comment(self, pid: str, wid: str, html: str) -> Any:
        return self._run(self.client.create_comment(html, pid, wid))

    def update_comment(self, pid: str, wid: str, cid: str, html: str) -> Any:
        return self._run(self.client.update_comment(html, pid, wid, cid))

    def list_comments(self, pid: str, wid: str) -> Any:
        return self._run(self.client.get_issue_comments(pid, wid))

    def delete_comment(self, pid: str, wid: str, cid: str) -> Any:
        return self._run(self.client.delete_comment(pid, wid, cid))

    def create_link(self, pid: str, wid: str, url: str, title: str) -> Any:
        return self._run(self.client.create_link(url, pid, wid, title=title))

    def update_link(self, pid: str, wid: str, lid: str, title: str) -> Any:
        return self._run(self.client.update_link(pid, wid, lid, title=title))

    def list_links(self, pid: str, wid: str) -> Any:
        return self._run(self.client.get_links(pid, wid))

    def delete_link(self, pid: str, wid: str, lid: str) -> Any:
        return self._run(self.client.delete_link(pid, wid, lid))

    def create_cycle(self, pid: str, name: str, start: str, end: str, owner: str) -> Any:
        body = {"name": name, "start_date": start, "end_date": end, "project_id": pid}
        body.update({"owned_by": owner} if owner else {})
        path = f"/api/v1/workspaces/{self.ws}/projects/{pid}/cycles/"
        data = self._raw("POST", path, json=body)
        fields = plane_py.Cycle.__annotations__.keys()
        return plane_py.Cycle(**{k: v for k, v in data.items() if k in fields})

    def update_cycle(self, pid: str, cycle_id: str, name: str) -> Any:
        return self._run(self.client.update_cycle(name, pid, cycle_id))

    def get_cycle(self, pid: str, cycle_id: str) -> Any:
        return self._run(self.client.get_cycle_details(pid, cycle_id))

    def add_to_cycle(self, pid: str, cycle_id: str, items: list[str]) -> Any:
        return self._run(self.client.create_cycle_issue(items, pid, cycle_id))

    def list_cycle_items(self, pid: str, cycle_id: str) -> Any:
        return self._run(self.client.get_cycle_issues(pid, cycle_id))

    def remove_from_cycle(self, pid: str, cycle_id: str, wid: str) -> Any:
        return self._run(self.client.delete_cycle_issue(pid, cycle_id, wid))

    def delete_cycle(self, pid: str, cycle_id: str) -> Any:
        return self._run(self.client.delete_cycle(pid, cycle_id))

    def create_module(self, pid: str, name: str) -> Any:
        return self._run(self.client.create_module(name, pid))

    def update_module(self, pid: str, module_id: str, name: str) -> Any:
        return self._run(self.client.update_module(name, pid, module_id))

    def get_module(self, pid: str, module_id: str) -> Any:
        return self._run(self.client.get_module_details(pid, module_id))

    def add_to_module(self, pid: str, module_id: str, items: list[str]) -> Any:
        return self._run(self.client.create_module_issue(items, pid, module_id))

    def list_module_items(self, pid: str, module_id: str) -> Any:
        return self._run(self.client.get_module_issues(pid, module_id))

    def remove_from_module(self, pid: str, module_id: str, wid: str) -> Any:
        return self._run(self.client.delete_module_issue(pid, module_id, wid))

    def delete_module(self, pid: str, module_id: str) -> Any:
        return self._run(self.client.delete_module(pid, module_id))


class _SwallowedHttpError(Exception):
    """plane-py met an HTTP error during the call and did not raise it (or raised a bare error)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status

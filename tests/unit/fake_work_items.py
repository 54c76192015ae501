"""A fake Plane project with work items, for driving the integrator checks offline.

Just the work-item operations (create, list with order_by, detail, PATCH, DELETE) plus the
project create and settings PATCH the scratch project needs, with switches for the behaviours
the checks must cope with: Plane's acceptance of a PATCH that puts the start date after the
target date, second-resolution timestamps, creates stored despite their 400, PATCHes applied
before their 400.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig, resolve_config
from conformance.target.scratch import ScratchResources

PRIORITIES = ("urgent", "high", "medium", "low", "none")
ITEMS = re.compile(r"^/api/v1/workspaces/ws/projects/([^/]+)/work-items/(?:([^/]+)/)?$")


@dataclass
class Clock:
    """Seconds since the epoch, advanced by hand (so a test never sleeps)."""

    now: float = 1_900_000_000.0

    def tick(self, seconds: float = 0.001) -> float:
        self.now += seconds
        return self.now


@dataclass
class FakeWorkItems:
    patch_dates_unchecked: bool = False  # Plane v1.3.1: a PATCH may put start after target
    second_timestamps: bool = False  # timestamps without fractions (a legitimate variation)
    stored_on_error: bool = False  # a create refused for its dates is stored anyway
    patched_on_error: bool = False  # a PATCH refused for its priority is applied anyway
    accept_unknown_state: bool = False  # an unknown state id is dropped, the create accepted
    clock: Clock = field(default_factory=Clock)
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    sequence: int = 0

    def stamp(self) -> str:
        moment = datetime.fromtimestamp(self.clock.tick(), UTC)
        if self.second_timestamps:
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        body = json.loads(request.content) if request.content else None
        if path == "/api/v1/workspaces/ws/projects/" and method == "POST":
            project = {"id": str(uuid.uuid4()), **body}
            self.projects[project["id"]] = project
            return httpx.Response(201, json=project)
        match = ITEMS.match(path)
        if match is None:
            if method in ("PATCH", "DELETE"):  # the project's settings, the final cleanup
                return httpx.Response(200, json={"id": path.rstrip("/").rsplit("/", 1)[-1]})
            return httpx.Response(404, json={"detail": "Not found."})
        item_id = match.group(2)
        if item_id is None:
            if method == "POST":
                return self.create(body)
            return self.listing(request.url.params)
        if item_id not in self.items:
            return httpx.Response(404, json={"error": "The requested resource does not exist."})
        if method == "PATCH":
            return self.patch(self.items[item_id], body)
        if method == "DELETE":
            del self.items[item_id]
            return httpx.Response(204)
        return httpx.Response(200, json=self.items[item_id])

    def problems(self, body: dict[str, Any], *, patch: bool, before: dict[str, Any]) -> dict:
        errors: dict[str, list[str]] = {}
        if "priority" in body and body["priority"] not in PRIORITIES:
            errors["priority"] = [f'"{body["priority"]}" is not a valid choice.']
        if body.get("state") and not self.accept_unknown_state:
            errors["state"] = ["State is not valid."]
        merged = {**before, **body}
        start, target = merged.get("start_date"), merged.get("target_date")
        if start and target and start > target and not (patch and self.patch_dates_unchecked):
            errors["non_field_errors"] = ["Start date cannot exceed target date"]
        return errors

    def create(self, body: dict[str, Any]) -> httpx.Response:
        errors = self.problems(body, patch=False, before={})
        if errors and not (self.stored_on_error and "non_field_errors" in errors):
            return httpx.Response(400, json=errors)
        self.sequence += 1
        now = self.stamp()
        item = {"id": str(uuid.uuid4()), "sequence_id": self.sequence, "created_at": now,
                "updated_at": now, "sort_order": 65535.0 * self.sequence, "priority": "none",
                "state": None, "labels": [], "assignees": [], "start_date": None,
                "target_date": None, "external_source": None, "external_id": None,
                **{k: v for k, v in body.items() if k != "state"}}  # fmt: skip
        self.items[item["id"]] = item
        if errors:
            return httpx.Response(400, json=errors)
        return httpx.Response(201, json=item)

    def patch(self, item: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
        errors = self.problems(body, patch=True, before=item)
        if errors and not self.patched_on_error:
            return httpx.Response(400, json=errors)
        item.update(body)
        item["updated_at"] = self.stamp()
        if errors:
            return httpx.Response(400, json=errors)
        return httpx.Response(200, json=item)

    def listing(self, params: httpx.QueryParams) -> httpx.Response:
        rows = list(self.items.values())
        for name in ("external_source", "external_id"):
            if name in params:
                rows = [r for r in rows if r.get(name) == params[name]]
        order_by = params.get("order_by", "-created_at")
        key = order_by.lstrip("-")
        rows.sort(key=lambda r: (r.get(key) is None, r.get(key)), reverse=order_by[0] == "-")
        return httpx.Response(
            200,
            json={
                "results": rows,
                "total_results": len(rows),
                "next_page_results": False,
                "next_cursor": "",
                "prev_cursor": "",
            },
        )


def connect(plane: FakeWorkItems) -> tuple[TargetClient, ScratchResources, TargetConfig]:
    config = resolve_config(base_url="http://t", api_key="k", workspace="ws", env={})
    client = TargetClient("http://t", "k", "ws", transport=httpx.MockTransport(plane))
    return client, ScratchResources(client, config), config

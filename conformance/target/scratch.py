"""Scratch resources: everything the suite creates, named with the run's prefix and deleted again.

The suite only ever deletes what it created itself (registered here on creation) plus, in the
final sweep, projects whose name carries this run's unique prefix. A project given with
--plane-project is used but never deleted.
"""

from __future__ import annotations

import itertools
import os
import string
from collections.abc import Iterable
from random import Random
from typing import Any

import httpx

from conformance.outcomes import Blocked
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig

GONE = (200, 202, 204, 404)  # answers to a DELETE after which the object no longer exists


class ScratchError(AssertionError):
    """Creating a scratch object failed: an AssertionError, because the target answered wrongly."""


def _describe(response: httpx.Response) -> str:
    request = response.request
    body = response.text[:300]
    return f"{request.method} {request.url.path} answered {response.status_code}: {body}"


class ScratchResources:
    def __init__(self, client: TargetClient, config: TargetConfig) -> None:
        self.client = client
        self.config = config
        self._random = Random(f"{config.seed}-{config.run_id}")
        self._counter = itertools.count(1)
        self._created: list[str] = []  # detail paths, in creation order
        self._project: dict[str, Any] | None = None
        self._own_project_path: str | None = None
        self.leftovers = 0
        self.cleaned = False

    # -- names -------------------------------------------------------------------------------

    def name(self, kind: str) -> str:
        """A unique, recognisable name: '<prefix><kind>-<n>', plus '-<worker>' on an xdist
        worker, since every worker counts from 1 (project names are unique per workspace)."""
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        tag = f"-{worker}" if worker else ""
        return f"{self.config.prefix}{kind}-{next(self._counter)}{tag}"

    def _identifier(self) -> str:
        letters = "".join(self._random.choice(string.ascii_uppercase) for _ in range(5))
        return f"PLC{letters}"

    # -- the project -------------------------------------------------------------------------

    @property
    def project(self) -> dict[str, Any]:
        if self._project is None:
            self._project = self._load_or_create_project()
        return self._project

    @property
    def project_id(self) -> str:
        return str(self.project["id"])

    @property
    def identifier(self) -> str:
        return str(self.project.get("identifier", ""))

    def project_path(self, suffix: str = "") -> str:
        return self.client.ws(f"projects/{self.project_id}/{suffix.lstrip('/')}")

    def _first_existing_project(self) -> dict[str, Any]:
        """Read-only mode without --plane-project: read (never change) the first project."""
        response = self.client.get(self.client.ws("projects/"), params={"per_page": 1})
        if response.status_code != 200:
            raise ScratchError(f"the project list is not readable: {_describe(response)}")
        body = response.json()
        projects = body.get("results", []) if isinstance(body, dict) else body
        if not projects:
            raise Blocked("read-only mode: the workspace has no project to read")
        return dict(projects[0])

    def _load_or_create_project(self) -> dict[str, Any]:
        if self.config.project_id:
            response = self.client.get(self.client.ws(f"projects/{self.config.project_id}/"))
            if response.status_code != 200:
                raise ScratchError(f"the configured project is not readable: {_describe(response)}")
            return dict(response.json())
        if self.config.read_only:
            return self._first_existing_project()
        collection = self.client.ws("projects/")
        for _ in range(3):  # identifiers are unique per workspace; retry on a rare clash
            body = {"name": self.name("project"), "identifier": self._identifier()}
            response = self.client.post(collection, json=body)
            if response.status_code in (200, 201):
                project = dict(response.json())
                self._own_project_path = f"{collection}{project['id']}/"
                return project
            if response.status_code != 409:
                break
        raise ScratchError(f"could not create the scratch project: {_describe(response)}")

    # -- objects -----------------------------------------------------------------------------

    def post(self, path: str, body: Any) -> httpx.Response:
        """POST to the collection `path` without judging the answer; whatever it created (a 2xx
        with an id) is registered for deletion. For checks that assert the status themselves."""
        response = self.client.post(path, json=body)
        if response.status_code < 300:
            try:
                created = response.json()
            except ValueError:
                created = None
            if isinstance(created, dict) and "id" in created:
                self._created.append(f"{path.rstrip('/')}/{created['id']}/")
        return response

    def create(
        self, path: str, body: dict[str, Any], *, expected: Iterable[int] = (201,)
    ) -> dict[str, Any]:
        """POST `body` to the collection `path`, check the status, register it for deletion."""
        expected = tuple(expected)
        response = self.post(path, body)
        if response.status_code not in expected:
            raise ScratchError(f"expected {expected}, but {_describe(response)}")
        try:
            created = response.json()
        except ValueError:
            created = None
        if not isinstance(created, dict):
            raise ScratchError(f"the create answer is not a JSON object: {_describe(response)}")
        return created

    def adopt(self, path: str) -> None:
        """Register an object the suite created without `post` (a generated create of the schema
        campaign), by its detail path, so that cleanup deletes it."""
        normalised = path.rstrip("/") + "/"
        if normalised not in self._created:
            self._created.append(normalised)

    def forget(self, path: str) -> None:
        """The test deleted this object itself (and with it what lay below it): cleanup need
        not. (A server may answer 403, not 404, inside a deleted project: Plane does.)"""
        normalised = path.rstrip("/") + "/"
        self._created = [p for p in self._created if not p.startswith(normalised)]

    # -- cleanup -----------------------------------------------------------------------------

    def _delete(self, path: str) -> bool:
        try:
            response = self.client.delete(path)
        except (httpx.HTTPError, RuntimeError):
            return False
        return response.status_code in GONE

    def cleanup(self) -> int:
        """Delete everything created, newest first; return how many objects are left behind.

        Objects inside our own scratch project go with the project (one request instead of
        many on a rate-limited target); they are deleted one by one only if the project
        delete fails.
        """
        if self.cleaned:
            return self.leftovers
        self.cleaned = True
        inside = self._project_prefix()
        outside = [p for p in self._created if not (inside and p.startswith(inside))]
        within = [p for p in self._created if inside and p.startswith(inside)]
        left = sum(not self._delete(p) for p in reversed(outside))
        if self._own_project_path:
            if not self._delete(self._own_project_path):
                left += sum(not self._delete(p) for p in reversed(within))
                left += 0 if self._delete(self._own_project_path) else 1
        else:
            left += sum(not self._delete(p) for p in reversed(within))
        self._created = []
        self.leftovers = left
        return left

    def _project_prefix(self) -> str | None:
        if self._project is None:
            return None
        return self.client.ws(f"projects/{self._project['id']}/")


def sweep_projects(client: TargetClient, config: TargetConfig) -> int:
    """Delete projects named with this run's prefix (what a crash left); return how many remain."""
    if config.read_only:
        return 0
    collection = client.ws("projects/")
    stale: list[str] = []
    cursor: str | None = None
    for _ in range(50):  # bounded: a workspace with more than 5000 projects is not our business
        params: dict[str, Any] = {"per_page": 100}
        if cursor:
            params["cursor"] = cursor
        response = client.get(collection, params=params)
        if response.status_code != 200:
            return 0
        data = response.json()
        rows = data.get("results", []) if isinstance(data, dict) else data
        stale += [
            f"{collection}{row['id']}/"
            for row in rows
            if isinstance(row, dict) and str(row.get("name", "")).startswith(config.prefix)
        ]
        if not (
            isinstance(data, dict) and data.get("next_page_results") and data.get("next_cursor")
        ):
            break
        cursor = str(data["next_cursor"])
    left = 0
    for path in stale:
        answer = client.delete(path)
        left += answer.status_code not in GONE
    return left

"""Scratch resources: everything the suite creates, named with the run's prefix and deleted again.

The suite only ever deletes what it created itself (registered here on creation) plus, in the
final sweep, projects whose name carries this run's unique prefix. A project given with
--plane-project is used but never deleted, and never changed: no settings, only the suite's own
objects inside it.

A create used as a step goes on the way that works (docs/verdicts.md, "one departure, one
verdict"): any 2xx with a JSON object is accepted, an extra body field the target needs is learned
once (`conformance.target.dialect`), and a refusal raises `SetupRefused` with the server's words,
so the checks that needed the object are *blocked*, never failed: the step is judged by its own
requirement (STATUS-001, SCHEMA-005...). A refused step is also checked for side effects like
any other refusal (`conformance.target.refused`: SIDE-001 judges it).

This is the one place that creates a project: the checks' scratch project and every further one
(the schema campaign's) are made and set up here, features on and adaptations applied.
"""

from __future__ import annotations

import itertools
import os
import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from random import Random
from typing import Any

import httpx

from conformance.outcomes import Blocked, NotSelected, SetupRefused
from conformance.target.answers import describe, object_of
from conformance.target.client import OutsideScopes, TargetClient
from conformance.target.config import TargetConfig
from conformance.target.dialect import Dialect, still_asks
from conformance.target.features import SETTINGS, ProjectFeatures
from conformance.target.preflight import ME_PATH
from conformance.target.refused import RefusedStep, look_for_stored, worth_looking

GONE = (200, 202, 204, 404)  # answers to a DELETE after which the object no longer exists
MAX_NEEDS = 3  # fields a create may turn out to need, one refusal at a time (v1.0.0's cycle: 2)
OK = range(200, 300)


class ScratchError(SetupRefused):
    """The target refused to create a scratch object (kept for callers that catch it by name)."""


@dataclass
class OpenedProject:
    """A project of the suite's own, created and set up, and the answers that did it."""

    project: dict[str, Any]
    created: httpx.Response  # the create's answer
    switched: httpx.Response  # the answer to turning cycles, modules and intake on
    features: ProjectFeatures  # which of them can be used there, and why not


def open_project(
    client: TargetClient,
    naming: Callable[[], tuple[str, str]],
    *,
    which: str,
    on_refusal: Callable[[str, Any, httpx.Response], None] | None = None,
) -> OpenedProject:
    """Create a project named by `naming()` (name, identifier; asked again after a 409, since
    identifiers are unique per workspace) and turn on its cycles, modules and intake
    (documented settings; Plane creates a project with them off). The one way the suite makes a
    project: its scratch project, the schema campaign's, the shapes recorder's. A refused
    create goes to `on_refusal` (collection, body, answer) and raises SetupRefused with the
    server's words; what the target made of the features is in `features`."""
    collection = client.ws("projects/")
    for _ in range(3):
        name, identifier = naming()
        body = {"name": name, "identifier": identifier}
        created = client.post(collection, json=body)
        project = object_of(created)
        if created.status_code in OK and project is not None and "id" in project:
            break
        if on_refusal is not None:
            on_refusal(collection, body, created)
        if created.status_code != 409:
            raise SetupRefused(
                f"{which} could not be created: {describe(created)}", created.status_code
            )
    else:
        raise SetupRefused(f"{which} could not be created: {describe(created)}", 409)
    features = ProjectFeatures()
    path = client.ws(f"projects/{project['id']}/")
    switched = client.patch(path, json=dict.fromkeys(SETTINGS.values(), True))
    answer = object_of(switched)
    if switched.status_code not in OK or answer is None:
        features.refuse_all(
            f"{which}'s cycles, modules and intake could not be turned on: {describe(switched)}"
        )
    else:
        project.update({k: v for k, v in answer.items() if k in SETTINGS.values()})
        features.read_from(
            project,
            lambda feature, setting: (
                f"{feature} stayed off in {which}: PATCH {setting}=true answered "
                f"{switched.status_code} with {setting} false"
            ),
        )
    return OpenedProject(project, created, switched, features)


class ScratchResources:
    def __init__(self, client: TargetClient, config: TargetConfig) -> None:
        self.client = client
        self.config = config
        self.dialect = Dialect()
        self.features = ProjectFeatures()
        # Per worker: identifiers are unique per workspace, and every worker makes projects.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        self._random = Random(f"{config.seed}-{config.run_id}-{worker}")
        self._counter = itertools.count(1)
        self._created: list[str] = []  # detail paths, in creation order
        self._project: dict[str, Any] | None = None
        self._project_refused: str | None = None  # why the project cannot be had
        self._own_project_path: str | None = None
        self._me: str | None = None
        self.refused_steps: list[RefusedStep] = []  # steps refused with a 4xx (SIDE-001)
        self._refusals_reported = 0
        self.leftovers = 0
        self.cleaned = False
        self.left_behind: list[str] = []  # cleanup abandoned: what it did not delete

    # -- names -------------------------------------------------------------------------------

    def name(self, kind: str) -> str:
        """A unique, recognisable name any server accepts: "plc <runid> <kind> <n>", plus
        " <worker>" on an xdist worker (every worker counts from 1; project names are unique per
        workspace). Letters, digits and spaces only: Plane refuses project names with
        & + , : ; $ ^ } { * = ? @ # | ' < > . ( ) % ! and -."""
        words = re.sub(r"[^A-Za-z0-9]+", " ", kind).strip()
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        tag = " " + re.sub(r"[^A-Za-z0-9]+", "", worker) if worker else ""
        return f"{self.config.prefix}{words} {next(self._counter)}{tag}"

    def new_identifier(self, stem: str = "PLC") -> str:
        """A project identifier: upper-case letters only (Plane refuses special characters)."""
        letters = "".join(self._random.choice(string.ascii_uppercase) for _ in range(5))
        return f"{stem}{letters}"

    # -- the project -------------------------------------------------------------------------

    @property
    def project(self) -> dict[str, Any]:
        if self._project_refused:
            raise SetupRefused(self._project_refused)  # asked once, answered for every check
        if self._project is None:
            try:
                self._project = self._load_or_create_project()
            except SetupRefused as refused:
                self._project_refused = str(refused)
                raise
        return self._project

    @property
    def project_id(self) -> str:
        return str(self.project["id"])

    @property
    def identifier(self) -> str:
        return str(self.project.get("identifier", ""))

    @property
    def own_project(self) -> bool:
        """Whether the suite created the project it works in (and may change its settings)."""
        return self._own_project_path is not None

    def project_path(self, suffix: str = "") -> str:
        return self.client.ws(f"projects/{self.project_id}/{suffix.lstrip('/')}")

    def require(self, feature: str) -> None:
        """Raise Blocked when `feature` ("cycles", "modules", "intake") is off in the project."""
        self.project  # noqa: B018 - the features are known once the project is
        self.features.require(feature)

    def _first_existing_project(self) -> dict[str, Any]:
        """Read-only mode without --plane-project: read (never change) the first project."""
        response = self.client.get(self.client.ws("projects/"), params={"per_page": 1})
        if response.status_code != 200:
            raise SetupRefused(f"the project list is not readable: {describe(response)}")
        body = response.json()
        projects = body.get("results", []) if isinstance(body, dict) else body
        if not projects:
            raise Blocked("read-only mode: the workspace has no project to read")
        return dict(projects[0])

    def _load_or_create_project(self) -> dict[str, Any]:
        if self.config.project_id:
            response = self.client.get(self.client.ws(f"projects/{self.config.project_id}/"))
            project = object_of(response)
            if response.status_code != 200 or project is None:
                raise SetupRefused(f"the configured project is not readable: {describe(response)}")
            name = project.get("name", self.config.project_id)
            self.features.read_from(
                project,
                lambda feature, setting: (
                    f"{feature} are off in project {name} ({setting} is "
                    "false); --project mode changes no settings of your project"
                ),
            )
            return project
        if self.config.read_only:
            project = self._first_existing_project()
            self.features.read_from(
                project,
                lambda feature, setting: (
                    f"{feature} are off in the project read ({setting} is "
                    "false); read-only mode changes no settings"
                ),
            )
            return project
        opened = self._open_project("project", "PLC", "the scratch project")
        self._own_project_path = self.client.ws(f"projects/{opened.project['id']}/")
        self.features = opened.features
        return opened.project

    def new_project(self, kind: str, stem: str = "PLC") -> tuple[dict[str, Any], ProjectFeatures]:
        """One more project of the suite's own (e.g. the schema campaign's), with cycles,
        modules and intake turned on, and which of them are usable there; deleted at the end
        like every scratch object. Never in --project or read-only mode: those create no
        projects. Raises SetupRefused with the server's words when it cannot be had."""
        if self.config.project_id or self.config.read_only:
            mode = "--project" if self.config.project_id else "read-only"
            raise NotSelected(f"{mode} mode creates no projects")
        opened = self._open_project(kind, stem, f"the {kind}")
        self._created.append(self.client.ws(f"projects/{opened.project['id']}/"))
        return opened.project, opened.features

    def _open_project(self, kind: str, stem: str, which: str) -> OpenedProject:
        return open_project(
            self.client,
            lambda: (self.name(kind), self.new_identifier(stem)),
            which=which,
            on_refusal=self._look_after_refusal,
        )

    # -- objects -----------------------------------------------------------------------------

    def post(
        self,
        path: str,
        body: object,
        *,
        adapt: bool = True,
        features: ProjectFeatures | None = None,
    ) -> httpx.Response:
        """POST to the collection `path` without judging the answer; whatever it created (a 2xx
        with an id) is registered for deletion. For checks that judge the answer themselves.

        With `adapt` (the default) the body gets the extra fields this target is known to need,
        and a 400 asking for a field the body lacks (a path parameter its words name, or a field
        naming a person that its error object is keyed by) teaches a new one: the request is
        sent again, once, with a sensible value (the path parameter's, the key's own user); the
        answer returned is the second one. `adapt=False` sends the body as given: for a check
        that judges the documented body itself (SCHEMA-005). A create in a feature that is off
        in the project (`features`: the scratch project's by default) raises Blocked unsent.
        """
        return self._create_step(path, body, adapt=adapt, step=False, features=features)

    def _create_step(
        self,
        path: str,
        body: Any,
        *,
        adapt: bool,
        step: bool,
        features: ProjectFeatures | None = None,
    ) -> httpx.Response:
        """`post`; with `step`, a refused attempt is checked for side effects (SIDE-001)."""
        (features or self.features).require_for(path)
        sent = self.dialect.adapt(path, body, self.me) if adapt else body
        response = self._post_and_register(path, sent)
        for _ in range(MAX_NEEDS):  # each field asked for is retried once
            if not adapt or response.status_code in OK:
                return response
            if step:
                self._look_after_refusal(path, sent, response)
            need = self.dialect.missing(path, sent, response)
            value = need.value(self.dialect.parameters(path), self.me) if need else None
            if need is None or value is None:
                return response
            retry = self._post_and_register(path, {**sent, need.field: value})
            if still_asks(retry.status_code, retry.text, need.field):
                if step:
                    self._look_after_refusal(path, {**sent, need.field: value}, retry)
                return response  # the field did not silence the refusal: nothing learned
            self.dialect.learn(path, need, response.status_code, response.text)
            sent, response = {**sent, need.field: value}, retry  # it may ask for one more
        return response

    def me(self) -> str | None:
        """The key's own user's id (`GET /users/me/`, asked once): the one person the suite may
        name in a create; None when the target does not say."""
        if self._me is None:
            answer = object_of(self.client.get(ME_PATH))
            self._me = str(answer["id"]) if answer and answer.get("id") else ""
        return self._me or None

    def _look_after_refusal(self, path: str, body: Any, response: httpx.Response) -> None:
        """A step refused with a 4xx must have stored nothing: look (see target/refused.py).
        What is found anyway is registered, so cleanup deletes it."""
        if not worth_looking(response, body):
            return
        found = look_for_stored(self.client, path, str(body["name"]), response)
        self.refused_steps.append(found)
        for made in found.stored:
            detail = f"{path.rstrip('/')}/{made}/"
            if detail not in self._created:
                self._created.append(detail)

    def take_new_refusals(self) -> list[dict[str, object]]:
        """The refused steps looked at since the last call, as report rows."""
        new = self.refused_steps[self._refusals_reported :]
        self._refusals_reported = len(self.refused_steps)
        return [step.to_row() for step in new]

    def _post_and_register(self, path: str, body: object) -> httpx.Response:
        response = self.client.post(path, json=body)
        if response.status_code in OK:
            created = object_of(response)
            if created is not None and "id" in created:
                self._created.append(f"{path.rstrip('/')}/{created['id']}/")
        return response

    def create(
        self, path: str, body: dict[str, Any], *, expected: Iterable[int] | None = None
    ) -> dict[str, Any]:
        """POST `body` to the collection `path` as a step: any 2xx with a JSON object is taken
        (the create status is STATUS-001's to judge), anything else raises SetupRefused with the
        server's words. `expected` narrows the statuses taken, for callers that need one."""
        response = self._create_step(path, body, adapt=True, step=True)
        accepted = tuple(expected) if expected is not None else OK
        created = object_of(response)
        if response.status_code not in accepted or created is None:
            raise ScratchError(
                f"a scratch object could not be created: {describe(response)}",
                response.status_code,
            )
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
        """Delete `path`; True when it is gone. A refused DELETE is confirmed by a read: Plane
        answers 403, not 404, for a project that no longer exists (a check deleted it)."""
        try:
            response = self.client.delete(path)
            if response.status_code in GONE:
                return True
            return self.client.get(path).status_code == 404
        except (httpx.HTTPError, RuntimeError, OutsideScopes):  # (the token may not delete it)
            return False

    def cleanup(self) -> int:
        """Delete everything created, newest first; return how many objects are left behind.

        Objects inside a project the suite created go with that project (one request instead
        of many on a rate-limited target); they are deleted one by one only if the project
        delete fails. In a project given with --project, every object is deleted one by one.

        A second stop request (`conformance.interrupts.CleanupAbandoned`, a KeyboardInterrupt)
        ends it where it is: what is not deleted yet is `left_behind`, and the request goes on.
        """
        if self.cleaned:
            return self.leftovers
        self.cleaned = True
        own = [p for p in self._created if _is_project(p)]
        if self._own_project_path:
            own.append(self._own_project_path)
        loose = [p for p in self._created if p not in own and not _within(p, own)]
        everything = list(dict.fromkeys([*self._created, *own]))
        gone: list[str] = []

        def delete(path: str) -> bool:
            deleted = self._delete(path)
            if deleted:
                gone.append(path)
            return deleted

        try:
            left = sum(not delete(p) for p in reversed(loose))
            for project in reversed(own):
                if delete(project):
                    continue
                inside = [p for p in self._created if p != project and p.startswith(project)]
                left += sum(not delete(p) for p in reversed(inside))
                left += 0 if delete(project) else 1
        except KeyboardInterrupt:
            self.left_behind = [p for p in everything if p not in gone and not _within(p, gone)]
            self.leftovers = len(self.left_behind)
            self._created = []
            raise
        self._created = []
        self.leftovers = left
        return left

    def remaining(self) -> list[str]:
        """What is still to delete (all of it before cleanup; what was left behind after)."""
        if self.cleaned:
            return list(self.left_behind)
        own = [self._own_project_path] if self._own_project_path else []
        return list(dict.fromkeys([*self._created, *own]))


def _is_project(path: str) -> bool:
    """A project's detail path: /api/v1/workspaces/<slug>/projects/<id>/."""
    return re.fullmatch(r"/api/v1/workspaces/[^/]+/projects/[^/]+/", path) is not None


def _within(path: str, projects: list[str]) -> bool:
    return any(path != project and path.startswith(project) for project in projects)


def sweep_projects(client: TargetClient, config: TargetConfig) -> int:
    """Delete projects named with this run's prefix (what a crash left); return how many remain."""
    if config.read_only:
        return 0
    collection = client.ws("projects/")
    stale: list[str] = []
    cursor: str | None = None
    for _ in range(50):  # bounded: a workspace with more than 5000 projects is not our business
        params: dict[str, str | int] = {"per_page": 100}
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

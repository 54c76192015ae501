"""What a target answers for a URL it surely does not route, and how to tell a 404 apart from it.

A missing operation shows itself by answering like a surely-unrouted URL. Most frameworks and
gateways name the request's path in their 404 body, so two 404s are compared with the path taken
out of both (`without_path`). Used by the route map (`routes.py`: which spelling of a documented
path the target routes), by the capability area (CAP-001) and by the schema campaign, which
leaves an absent operation's answers to CAP-001.

Probing (`classify`): when the target routes before it authenticates (a keyless request to a
surely-unrouted URL answers 404, as Plane does), a keyless request to a routed operation answers
401 or 403 before it reads anything, and an unrouted one 404 like the surely-unrouted URLs. A
target that authenticates first is probed with keyed GETs on random ids instead: a 404 unlike the
surely-unrouted one is a routed operation that found no object.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx

NOWHERE = "plc-no-such-route-4f1c"  # a path segment no Plane version routes
PATH_MARK = "{path}"  # what a request's path becomes in a body before two bodies are compared
ROUTED_STATUSES = (401, 403)  # a keyless request to a routed operation
PARAM = re.compile(r"\{([^}]+)\}")


def without_path(text: str, path: str) -> str:
    """`text` with the request `path` (with and without its slash) taken out."""
    bare = path.rstrip("/")
    for spelling in (bare + "/", bare):  # the slashed spelling first: it contains the other
        text = text.replace(spelling, PATH_MARK)
    return text


def body_without_path(response: httpx.Response) -> str:
    """The body with the request's path (with and without its slash) taken out."""
    return without_path(response.text, response.request.url.path)


def nowhere_paths(workspace: str) -> tuple[str, str]:
    """Two URLs no Plane routes, one inside the workspace and one outside it."""
    return (f"/api/v1/workspaces/{workspace}/{NOWHERE}/", f"/api/v1/{NOWHERE}/x/")


def fill_path(template: str, workspace: str, project: tuple[str, str] | None = None) -> str:
    """A probe URL for a documented path: the real workspace, random ids (the given project's
    id and identifier, when one is given)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "workspace_slug":
            return workspace
        if name == "project_id" and project is not None:
            return project[0]
        if name == "project_identifier":
            return (project[1] if project else "") or "PLCZZ"
        if name == "issue_identifier":
            return "999999"
        return str(uuid.uuid4())

    return PARAM.sub(value, template)


@dataclass(frozen=True)
class Unrouted:
    """How this target answers URLs it surely does not route, for one way of probing."""

    statuses: tuple[int, ...]
    bodies: tuple[str, ...]  # with the path taken out

    @classmethod
    def of(cls, answers: list[httpx.Response]) -> Unrouted:
        return cls(tuple(a.status_code for a in answers), tuple(map(body_without_path, answers)))

    @property
    def all_404(self) -> bool:
        return bool(self.statuses) and all(s == 404 for s in self.statuses)

    @property
    def stable(self) -> bool:
        """Two unrouted URLs give one body once their paths are taken out: comparable."""
        return len(set(self.bodies)) == 1

    def looks_like(self, response: httpx.Response) -> bool:
        return self.stable and body_without_path(response) == self.bodies[0]

    def to_dict(self) -> dict[str, list[int] | list[str]]:
        return {"statuses": list(self.statuses), "bodies": list(self.bodies)}

    @classmethod
    def from_dict(cls, data: dict[str, list[int] | list[str]]) -> Unrouted:
        return cls(tuple(map(int, data["statuses"])), tuple(map(str, data["bodies"])))


@dataclass(frozen=True)
class Probe:
    status: str  # served | absent | plan-gated | unknown
    detail: str


def classify(response: httpx.Response, unrouted: Unrouted, *, keyless: bool) -> Probe:
    """Whether `response` came from a routed operation (see the module docstring)."""
    code = response.status_code
    how = "without the key" if keyless else "with the key"
    if keyless and code in ROUTED_STATUSES:
        return Probe("served", f"{code} {how}: routed, it asks for the key before anything else")
    if code == 402:
        return Probe("plan-gated", f"402 {how}: the plan does not include it")
    if code == 405:
        return Probe("absent", f"405 {how}: the path does not offer this method")
    if code == 404:
        if unrouted.looks_like(response):
            return Probe("absent", f"404 {how}, like a surely-unrouted URL (path aside)")
        if unrouted.stable:
            return Probe("served", f"404 {how}, unlike a surely-unrouted URL: routed, no object")
        return Probe(
            "unknown",
            f"404 {how}, and this target's 404 bodies differ from one unrouted URL to the next, "
            "so a routed 404 cannot be told from an unrouted one",
        )
    return Probe("served", f"answered {code} {how}")

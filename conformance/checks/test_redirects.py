"""No redirects on the documented paths, and no write lost to a redirect (REDIR-001, REDIR-002).

The client never follows redirects, so a 3xx is seen as such. Each request judged is a unit.
"""

from __future__ import annotations

import httpx
import pytest

from conformance.checks._integrator import describe, json_of
from conformance.outcomes import Units
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

LOSSY = (301, 302, 303)  # clients re-send these as a GET, dropping the body
OK = range(200, 300)


def _label(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path}"


def _redirect_problems(response: httpx.Response, statuses: range | tuple[int, ...]) -> list[str]:
    if response.status_code in statuses:
        return [f"{describe(response)} (Location {response.headers.get('location')})"]
    return []


@pytest.mark.requirement("REDIR-001")
def test_documented_paths_answer_directly(
    client: TargetClient, scratch: ScratchResources, target: TargetConfig, units: Units
) -> None:
    """GETs of documented paths, and a documented create and PATCH, answer without a 3xx."""
    paths = [
        "/api/v1/users/me/",
        client.ws("projects/"),
        scratch.project_path(""),
        *(scratch.project_path(s) for s in ("work-items/", "labels/", "states/", "cycles/",
                                             "modules/")),
    ]  # fmt: skip
    answers = [client.get(path) for path in paths]
    if not target.read_only:
        collection = scratch.project_path("work-items/")
        created = scratch.post(collection, {"name": scratch.name("redir")})
        answers.append(created)
        body = json_of(created)
        if created.status_code in OK and isinstance(body, dict) and "id" in body:
            answers.append(client.patch(f"{collection}{body['id']}/", json={"priority": "low"}))
    for answer in answers:
        units.judge("REDIR-001", _label(answer), _redirect_problems(answer, range(300, 400)))
    units.conclude()


@pytest.mark.requirement("REDIR-002")
def test_write_without_trailing_slash_is_not_lost(
    client: TargetClient, scratch: ScratchResources, writable: None, units: Units
) -> None:
    """A POST and a PATCH without the trailing slash are served or refused, never 301/302/303."""
    collection = scratch.project_path("work-items/")
    created = scratch.post(collection.rstrip("/"), {"name": scratch.name("redir noslash")})
    units.judge("REDIR-002", "POST without the trailing slash", _redirect_problems(created, LOSSY))
    body = json_of(created)
    if not (created.status_code in OK and isinstance(body, dict) and "id" in body):
        body = scratch.create(collection, {"name": scratch.name("redir patch")})
    detail = f"{collection}{body['id']}"
    patched = client.patch(detail, json={"priority": "urgent"})
    if patched.status_code in LOSSY:
        where = "PATCH without the trailing slash"
        units.failed("REDIR-002", where, _redirect_problems(patched, LOSSY)[0])
    elif patched.status_code in OK and _priority(client, detail) != "urgent":
        _judge_lost_patch(units, client, detail, patched)
    else:
        units.verified("REDIR-002", "PATCH without the trailing slash")
    units.conclude()


def _priority(client: TargetClient, detail: str) -> object:
    stored = json_of(client.get(detail.rstrip("/") + "/"))
    return stored.get("priority") if isinstance(stored, dict) else None


def _judge_lost_patch(
    units: Units, client: TargetClient, detail: str, patched: httpx.Response
) -> None:
    """A slashless PATCH was accepted but not stored: lost to the missing slash only if the same
    PATCH with the slash is stored; a server that stores no PATCH is STATUS-004's departure."""
    where = "PATCH without the trailing slash"
    client.patch(detail + "/", json={"priority": "low"})
    if _priority(client, detail) != "low":
        units.not_verified("REDIR-002", where, "no PATCH is stored at all (judged by STATUS-004)")
        return
    units.failed(
        "REDIR-002", where, f"PATCH {detail} answered {patched.status_code} but stored nothing"
    )

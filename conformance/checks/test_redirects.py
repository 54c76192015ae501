"""No redirects on the documented paths, and no write lost to a redirect (REDIR-001, REDIR-002).

The client never follows redirects, so a 3xx is seen as such.
"""

from __future__ import annotations

import pytest

from conformance.checks._integrator import describe, json_of
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig
from conformance.target.scratch import ScratchResources

LOSSY = (301, 302, 303)  # clients re-send these as a GET, dropping the body


@pytest.mark.requirement("REDIR-001")
def test_documented_paths_answer_directly(
    client: TargetClient, scratch: ScratchResources, target: TargetConfig
) -> None:
    """GETs of documented paths, and a documented create and PATCH, answer without a 3xx."""
    paths = [
        "/api/v1/users/me/",
        client.ws("projects/"),
        scratch.project_path(""),
        *(scratch.project_path(s) for s in ("work-items/", "issues/", "labels/", "states/",
                                             "cycles/", "modules/")),
    ]  # fmt: skip
    answers = [client.get(path) for path in paths]
    if not target.read_only:
        collection = scratch.project_path("work-items/")
        created = scratch.post(collection, {"name": scratch.name("redir")})
        answers.append(created)
        if isinstance(json_of(created), dict) and "id" in json_of(created):
            detail = f"{collection}{json_of(created)['id']}/"
            answers.append(client.patch(detail, json={"priority": "low"}))
    redirected = [describe(a) for a in answers if 300 <= a.status_code < 400]
    assert not redirected, "documented paths answered with a redirect:\n" + "\n".join(redirected)


@pytest.mark.requirement("REDIR-002")
def test_write_without_trailing_slash_is_not_lost(
    client: TargetClient, scratch: ScratchResources, writable: None
) -> None:
    """A POST and a PATCH without the trailing slash are served or refused, never 301/302/303."""
    collection = scratch.project_path("work-items/")
    problems = []
    name = scratch.name("redir-noslash")
    created = scratch.post(collection.rstrip("/"), {"name": name})
    if created.status_code in LOSSY:
        problems.append(describe(created) + f" (Location {created.headers.get('location')})")
    body = json_of(created)
    if created.status_code in range(200, 300) and isinstance(body, dict) and "id" in body:
        detail = f"{collection}{body['id']}"
        patched = client.patch(detail, json={"priority": "urgent"})
        if patched.status_code in LOSSY:
            problems.append(describe(patched) + f" (Location {patched.headers.get('location')})")
        elif patched.status_code in range(200, 300):
            stored = json_of(client.get(detail + "/"))
            if not isinstance(stored, dict) or stored.get("priority") != "urgent":
                problems.append(f"PATCH {detail} answered {patched.status_code} but stored nothing")
    assert not problems, "\n".join(problems)

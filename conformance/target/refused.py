"""A setup step the target refused is checked for side effects like any other refusal (SIDE-001).

When a create the suite sends as a step (its scratch project, an object a check needs) is
answered with a 4xx, the object must not exist: the suite reads the collection and looks for the
name it sent. The finding is a `RefusedStep`: the refusal, what the list held under that name,
and both exchanges as evidence. The steps' rows travel to the controller (user property
"setup_refusals"), where SIDE-001 judges every one of them, whichever process refused it
(conformance/plugin/refused_steps.py). An object stored in spite of the refusal is registered
for deletion like everything the suite made, so it is cleaned up, and said so, not in silence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import httpx

from conformance.target.answers import json_of
from conformance.target.client import TargetClient
from conformance.target.recording import build_exchange

# Refusals that cannot have stored anything here: the collection itself is not there (404,
# 405), or the throttle answered (429, RATE-006's).
NOT_LOOKED_AT = (404, 405, 429)
PAGES = 10  # list pages read at most (100 items each)


@dataclass
class RefusedStep:
    """One create sent as a step and refused with a 4xx, and what the collection showed after."""

    operation: str  # "POST /api/v1/workspaces/ws/projects/"
    status: int
    refusal: str  # the answer's first words
    name: str  # the name the create carried, looked for in the list
    stored: list[str] = field(default_factory=list)  # ids of objects of that name found
    unread: str = ""  # why the list could not be read ("" when it was)
    exchanges: list[dict[str, object]] = field(default_factory=list)  # refusal and list answers

    def to_row(self) -> dict[str, object]:
        return asdict(self)


def worth_looking(response: httpx.Response, body: object) -> bool:
    """A 4xx that could have stored something, to a create that carried a name to look for."""
    refused = 400 <= response.status_code < 500 and response.status_code not in NOT_LOOKED_AT
    return refused and isinstance(body, dict) and isinstance(body.get("name"), str)


def look_for_stored(
    client: TargetClient, collection: str, name: str, response: httpx.Response
) -> RefusedStep:
    """Read `collection` (the refused create's own path) for objects called `name`."""
    step = RefusedStep(
        operation=f"POST {response.request.url.path}",
        status=response.status_code,
        refusal=response.text[:200],
        name=name,
        exchanges=[_exchange(client, response)],
    )
    params: dict[str, str | int] = {"per_page": 100}
    for _ in range(PAGES):
        answer = client.get(collection, params=params)
        listed = json_of(answer)
        if answer.status_code != 200:
            step.unread = f"GET {collection} answered {answer.status_code}"
            step.exchanges.append(_exchange(client, answer))
            return step
        rows = listed.get("results", []) if isinstance(listed, dict) else listed
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and row.get("name") == name and row.get("id") is not None:
                step.stored.append(str(row["id"]))
        if step.stored:
            step.exchanges.append(_exchange(client, answer))
        more = isinstance(listed, dict) and listed.get("next_page_results")
        if not more or not listed.get("next_cursor"):
            return step
        params = {**params, "cursor": listed["next_cursor"]}
    return step


def _exchange(client: TargetClient, response: httpx.Response) -> dict[str, object]:
    """The exchange as the report shows evidence (redacted like every recorded one)."""
    try:
        elapsed = response.elapsed.total_seconds() * 1000
    except RuntimeError:  # a response built by hand (tests) has no timing
        elapsed = 0.0
    return asdict(build_exchange(response.request, response, client.redactor, elapsed))

"""Access tokens on this target: does it read them at all, and what may the run's token do.

Both are found out from the target's answers, once, never assumed:

* `bearer_reading(client)`: a target that answers an unknown `Authorization: Bearer` token
  exactly as it answers no credential at all (same status, same body) does not read bearer
  tokens (open-source Plane v1.3.1 on /api/v1/: 401 "Authentication credentials were not
  provided." to both). The OAuth requirements are then not applicable there, and a run with an
  access token cannot happen (the preflight says so in one sentence).
* `discover_scopes(client, config)`: when the user did not say the token's scopes
  (`--token-scopes`), one request per scope requirement of the documented operations
  (`conformance.spec.scopes`) tells which ones the token may not do: a 401 or 403 answer is a
  refusal, any other answer (2xx, a 404 for an object that is not there, a 400 for a body) is
  not. Reads use the workspace's first project, so a refusal cannot be a missing object's or a
  stranger's (without one, a project's reads are not asked: not found outside the scopes);
  writes name no existing object (random ids, a body that is not JSON), so nothing can change.
  A scope found refused is only the target's word: AUTH-010 fails a served operation only when
  the user said the token lacks its scope.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, replace

import httpx

from conformance.credentials import BearerToken
from conformance.spec.scopes import ScopedOperation, scoped_operations
from conformance.target.answers import object_of
from conformance.target.client import TargetClient
from conformance.target.config import TargetConfig

ME = "/api/v1/users/me/"
REFUSALS = (401, 403)
NOT_JSON = b"{"  # a write body no server can act on
JSON_TYPE = {"Content-Type": "application/json"}
_KIND_ORDER = {"GET": 0, "DELETE": 1, "PATCH": 2, "PUT": 3, "POST": 4}


def unknown_token(seed: int | str | None = None) -> BearerToken:
    """A well-formed access token no server issued (reproducible from `seed` when given)."""
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    return BearerToken(f"plc_token_{uuid.UUID(int=rng.getrandbits(128)).hex}")


@dataclass(frozen=True)
class BearerReading:
    """Whether the target reads bearer tokens, and the answers that show it."""

    reads: bool
    evidence: str

    @property
    def not_read(self) -> str:
        """The reason of a not-applicable verdict."""
        return f"the target does not read access tokens: {self.evidence}"


def bearer_reading(client: TargetClient, seed: int | str | None = None) -> BearerReading:
    """Compare the answers to no credential and to an unknown bearer token (GET /users/me/)."""
    keyless = client.get(ME, key=False, owner=("AUTH-009",))
    token = client.get(ME, key=unknown_token(seed), owner=("AUTH-009",))
    same = keyless.status_code == token.status_code and keyless.content == token.content
    said = keyless.text[:120]
    if same:
        evidence = (
            # (not "Authorization: Bearer" in the words: the scrubber would take what follows
            # the header's name for its secret value)
            f"GET {ME} with an unknown bearer token answers exactly as without "
            f"a credential ({token.status_code} {said})"
        )
    else:
        evidence = (
            f"GET {ME} answers an unknown bearer token {token.status_code} "
            f"{token.text[:120]}, and no credential {keyless.status_code} {said}"
        )
    return BearerReading(not same, evidence)


# -- the token's scopes ------------------------------------------------------------------------


def _representatives() -> dict[str, ScopedOperation]:
    """One operation per scope requirement: a core one where there is one (an older spelling,
    such as `inbox-issues`, may be routed by no server: its 404 would say nothing of the scope),
    then a read, fewest ids first."""
    chosen: dict[str, ScopedOperation] = {}
    ordered = sorted(
        (op for op in scoped_operations() if op.requirement),
        key=lambda op: (not op.core, _KIND_ORDER.get(op.method, 5), op.path.count("{"), op.path),
    )
    for op in ordered:
        chosen.setdefault(op.key, op)
    return chosen


def _first_project(client: TargetClient) -> str | None:
    answer = client.get(client.ws("projects/"), params={"per_page": 1}, scope_probe=True)
    body = object_of(answer)
    results = body.get("results") if body else None
    first = results[0] if isinstance(results, list) and results else None
    return str(first["id"]) if isinstance(first, dict) and "id" in first else None


def fill(template: str, workspace: str, project_id: str | None, seed: str) -> str:
    """The template's parameters: the workspace, the project (when given), random ids."""
    rng = random.Random(seed)
    path = template
    for name in [part.split("}")[0] for part in template.split("{")[1:]]:
        if name in ("workspace_slug", "slug"):
            value = workspace
        elif name == "project_id" and project_id:
            value = project_id
        elif name.endswith("identifier"):
            value = "PLC-1" if name == "identifier" else "PLC"
        else:
            value = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        path = path.replace("{" + name + "}", value)
    return path


def discover_scopes(client: TargetClient, config: TargetConfig) -> TargetConfig:
    """The configuration with what the token may not do, found from the answers (see module
    doc). A read-only run probes only the reads (it sends no write, here either)."""
    project = _first_project(client)
    refused = set()
    for key, op in _representatives().items():
        if op.method != "GET" and config.read_only:
            continue
        if op.method == "GET" and "{project_id}" in op.path and project is None:
            continue  # a read in no project of the user's would be refused for that: not asked
        path = fill(op.path, config.workspace, project if op.method == "GET" else None, key)
        try:
            if op.method in ("POST", "PATCH", "PUT"):
                answer = client.request(
                    op.method, path, content=NOT_JSON, headers=JSON_TYPE, scope_probe=True
                )
            else:
                answer = client.request(op.method, path, scope_probe=True)
        except httpx.TransportError:
            continue  # no answer: nothing learnt (the checks will meet the target themselves)
        if answer.status_code in REFUSALS:
            refused.add(key)
    return replace(config, outside_scopes=frozenset(refused), scopes_found=True)


def scopes_line(config: TargetConfig) -> str | None:
    """One line for the console: what the run knows of the token's scopes."""
    if config.outside_scopes is None:
        return None
    how = "found from the target's answers" if config.scopes_found else "as told"
    requirements = {op.key for op in scoped_operations() if op.requirement}
    granted = len(requirements - config.outside_scopes)
    return (
        f"access token: {granted} of {len(requirements)} documented scope requirements granted "
        f"({how}); the operations outside them are not used as steps (AUTH-010 judges them)"
    )

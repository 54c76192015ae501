"""One request per documented operation, as the auth area sends them: which operations (every
core one, reads only in a read-only run), the quick profile's sample, the path (real ids for a
read, so that a leak would show; random ids for a write, so that nothing existing can change),
and what in an answer is the operation's data.

AUTH-007 sends them without a credential, AUTH-009 with the run's access token, AUTH-010 with a
token that lacks their scopes.
"""

from __future__ import annotations

import random
import uuid

import httpx

from conformance.fuzz.campaign import NEVER_SENT
from conformance.spec.openapi import Operation, operations
from conformance.target.config import TargetConfig

QUICK_SAMPLE = 8  # reads in the quick profile's sample (and a quarter as many writes)
UNROUTED = "plc-no-such-collection/"  # below the workspace: routed by no server
NOT_JSON = b"{"  # a write body no server can act on: sent with a valid credential
JSON_TYPE = {"Content-Type": "application/json"}


def candidates(target: TargetConfig) -> list[Operation]:
    """Every operation that may be probed: reads always, writes unless read-only."""
    chosen = [
        op
        for op in operations()
        if op.alias_of is None and (op.method == "GET" or not target.read_only)
    ]
    return sorted(chosen, key=lambda op: (op.path, op.method))


def quick_sample(target: TargetConfig, chosen: list[Operation]) -> set[Operation]:
    """The quick profile's sample: a few reads and writes, reproducible from the seed."""
    sampler = random.Random(target.seed)
    reads = [op for op in chosen if op.method == "GET"]
    writes = [op for op in chosen if op.method != "GET"]
    picked = sampler.sample(reads, min(QUICK_SAMPLE, len(reads)))
    picked += sampler.sample(writes, min(QUICK_SAMPLE // 4, len(writes)))
    return set(picked)


def sampled(target: TargetConfig, chosen: list[Operation]) -> set[Operation]:
    return quick_sample(target, chosen) if target.profile == "quick" else set(chosen)


def fill_path(op: Operation, target: TargetConfig, real_ids: dict[str, str], seed: str) -> str:
    """Path parameters: real ids for reads (a leak would show), random UUIDs for writes.

    A write never names an existing object: if the target wrongly served it, nothing of anyone's
    would change.
    """
    sampler = random.Random(f"{seed}:{op.method}:{op.path}")
    path = op.path
    for name in op.path_params:
        if name == "workspace_slug":
            value = target.workspace
        elif op.method == "GET" and name in real_ids:
            value = real_ids[name]
        elif name == "project_identifier":
            value = "PLC"
        elif name == "issue_identifier":
            value = str(sampler.randint(1, 99999))
        else:
            value = str(uuid.UUID(int=sampler.getrandbits(128), version=4))
        path = path.replace("{" + name + "}", value)
    return path


PROJECT_CREATE = "POST /api/v1/workspaces/{workspace_slug}/projects/"


def never_sent(op: Operation) -> str | None:
    """Why a write is never sent with a valid credential: it names no object (no id to make
    random) and a body is all that would keep it from acting, so it could make or change
    something that is not the suite's (the project create is sent: its body makes a project
    of the suite's own, deleted at once)."""
    if op.method == "GET" or f"{op.method} {op.path}" == PROJECT_CREATE:
        return None
    if any(name != "workspace_slug" for name in op.path_params):
        return None
    why = NEVER_SENT.get(f"{op.method} {op.path}", "it would create something of its own")
    return f"a write that names no object: {why}"


def json_or_none(response: httpx.Response) -> object:
    try:
        return response.json() if response.content else None
    except ValueError:
        return None  # a refusal that is not JSON leaks nothing; its body is judged elsewhere


def leaks(body: object, secrets: list[str]) -> str | None:
    """What in a refusal body looks like resource data, or None."""
    if isinstance(body, list):
        return "the body is a list"
    if isinstance(body, dict):
        for field in ("results", "id", "name", "identifier", "email"):
            if field in body:
                return f"the body has a {field!r} field"
    text = str(body)
    return next((f"the body contains {s}" for s in secrets if s and s in text), None)


def is_absent(status: int, unrouted_status: int) -> bool:
    """A 404 like a surely-unrouted URL's (or a 405): the operation is not served at all."""
    return status == 405 or (status == 404 and unrouted_status == 404)

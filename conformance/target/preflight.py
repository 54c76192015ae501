"""Before any check: is the target reachable, the key accepted, the workspace (and project) there?

Each failure is one sentence, so a misconfigured run stops with exit code 2 and a message the
user can act on instead of hundreds of failing checks.
"""

from __future__ import annotations

from typing import Unpack

import httpx

from conformance.credentials import BearerToken
from conformance.target.client import RequestOptions, TargetClient
from conformance.target.config import TargetConfig
from conformance.target.tokens import bearer_reading

ME_PATH = "/api/v1/users/me/"


class PreflightError(RuntimeError):
    """The target cannot be checked; str() is the one sentence for the user."""


def _get(
    client: TargetClient, config: TargetConfig, path: str, **options: Unpack[RequestOptions]
) -> httpx.Response:
    try:
        return client.get(path, **options)
    except httpx.ConnectError:
        raise PreflightError(
            f"cannot reach the target {config.base_url} (connection refused)."
        ) from None
    except httpx.TimeoutException:
        raise PreflightError(f"the target {config.base_url} did not answer in time.") from None
    except httpx.HTTPError as error:
        reason = type(error).__name__
        raise PreflightError(f"cannot talk to the target {config.base_url} ({reason}).") from None


def _refused(config: TargetConfig, answer: httpx.Response) -> bool:
    """Whether `answer` refuses the credential itself. An access token's 403 is a scope's or a
    role's refusal (it authenticated; AUTH-010 judges scopes): the run goes on."""
    if isinstance(config.credential, BearerToken):
        return answer.status_code == 401
    return answer.status_code in (401, 403)


def _rejected(client: TargetClient, config: TargetConfig, answer: httpx.Response) -> str:
    """The sentence of a refused credential: an access token on a target that reads none is
    not a wrong token (nothing can be checked with it; an API-key run reports the OAuth
    requirements as not applicable there)."""
    where = f"({answer.status_code} on {ME_PATH})"
    what = config.credential.description
    if isinstance(config.credential, BearerToken) and not bearer_reading(client).reads:
        return (
            f"the target {config.base_url} does not accept access tokens: it answers "
            f"`Authorization: Bearer` as it answers no credential {where}; run it with an "
            "API key (the OAuth requirements are then not applicable)."
        )
    return f"the target {config.base_url} rejected the {what} {where}."


def preflight(client: TargetClient, config: TargetConfig) -> None:
    """Raise PreflightError with one sentence when the run cannot usefully start."""
    me = _get(client, config, ME_PATH)
    if _refused(config, me):
        raise PreflightError(_rejected(client, config, me))
    if me.status_code not in (200, 403):  # (a token's 403: it lacks the profile's scope)
        raise PreflightError(
            f"the target {config.base_url} answered {me.status_code} on {ME_PATH}; "
            "is this the base URL of a Plane API?"
        )
    projects = client.ws("projects/")
    found = _get(client, config, projects, params={"per_page": 1})
    if found.status_code == 404:
        raise PreflightError(
            f"the workspace {config.workspace!r} was not found on {config.base_url} "
            f"(404 on {projects})."
        )
    if _refused(config, found):
        raise PreflightError(
            f"the {config.credential.description} has no access to the workspace "
            f"{config.workspace!r} ({found.status_code} on {projects})."
        )
    if found.status_code not in (200, 403):  # (the same for a token's 403)
        raise PreflightError(
            f"the target {config.base_url} answered {found.status_code} on {projects}."
        )
    if config.project_id:
        project = client.ws(f"projects/{config.project_id}/")
        answer = _get(client, config, project)
        if answer.status_code != 200:
            raise PreflightError(
                f"the project {config.project_id} is not usable in workspace "
                f"{config.workspace!r} ({answer.status_code} on {project})."
            )

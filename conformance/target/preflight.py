"""Before any check: is the target reachable, the key accepted, the workspace (and project) there?

Each failure is one sentence, so a misconfigured run stops with exit code 2 and a message the
user can act on instead of hundreds of failing checks.
"""

from __future__ import annotations

from typing import Unpack

import httpx

from conformance.target.client import RequestOptions, TargetClient
from conformance.target.config import TargetConfig

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


def preflight(client: TargetClient, config: TargetConfig) -> None:
    """Raise PreflightError with one sentence when the run cannot usefully start."""
    me = _get(client, config, ME_PATH)
    if me.status_code in (401, 403):
        raise PreflightError(
            f"the target {config.base_url} rejected the API key ({me.status_code} on {ME_PATH})."
        )
    if me.status_code != 200:
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
    if found.status_code in (401, 403):
        raise PreflightError(
            f"the API key has no access to the workspace {config.workspace!r} "
            f"({found.status_code} on {projects})."
        )
    if found.status_code != 200:
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

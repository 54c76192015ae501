"""Run configuration: where the target is and how to run (flags > environment > defaults)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

PROFILES = ("quick", "standard", "full")
ENV_URL, ENV_KEY, ENV_WORKSPACE = "PLANE_BASE_URL", "PLANE_API_KEY", "PLANE_WORKSPACE_SLUG"
PREFIX_STEM = "plc "  # letters, digits and spaces only: names any server accepts


class ConfigError(ValueError):
    """The configuration cannot describe a run; the message is one sentence for the user."""


@dataclass(frozen=True)
class TargetConfig:
    base_url: str
    api_key: str
    workspace: str
    project_id: str | None = None
    profile: str = "standard"
    seed: int = 0
    read_only: bool = False
    run_id: str = ""
    areas: tuple[str, ...] | None = None  # None: every area

    @property
    def prefix(self) -> str:
        """Every name the suite creates starts with this, so a sweep can find it again:
        "plc <runid> " (Plane refuses project names with punctuation, dashes included)."""
        return f"{PREFIX_STEM}{self.run_id} "

    def __repr__(self) -> str:  # never show the key, even in a traceback
        return (
            f"TargetConfig(base_url={self.base_url!r}, workspace={self.workspace!r}, "
            f"project_id={self.project_id!r}, profile={self.profile!r}, seed={self.seed}, "
            f"read_only={self.read_only}, run_id={self.run_id!r}, areas={self.areas!r})"
        )

    __str__ = __repr__


def new_run_id() -> str:
    return secrets.token_hex(4)


def new_seed() -> int:
    return secrets.randbelow(2**31)


def parse_areas(text: str | None, known: tuple[str, ...]) -> tuple[str, ...] | None:
    """'auth, status' -> ('auth', 'status'); unknown names are a ConfigError."""
    if not text:
        return None
    areas = tuple(dict.fromkeys(a.strip() for a in text.split(",") if a.strip()))
    unknown = [a for a in areas if a not in known]
    if unknown:
        raise ConfigError(f"unknown area {unknown[0]!r}; the areas are {', '.join(known)}.")
    return areas or None


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


def resolve_config(
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    workspace: str | None = None,
    project_id: str | None = None,
    profile: str | None = None,
    seed: int | None = None,
    read_only: bool = False,
    run_id: str | None = None,
    areas: tuple[str, ...] | None = None,
    env: Mapping[str, str] | None = None,
) -> TargetConfig:
    """Build the config from explicit values (flags), then the environment, then defaults."""
    env = os.environ if env is None else env
    url = _first(base_url, env.get(ENV_URL))
    key = _first(api_key, env.get(ENV_KEY))
    slug = _first(workspace, env.get(ENV_WORKSPACE))
    if not url:
        raise ConfigError(f"no target URL: pass --plane-url or set {ENV_URL}.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"the target URL {url!r} is not an http(s) URL.")
    if not key:
        raise ConfigError(f"no API key for {url}: pass --api-key or set {ENV_KEY}.")
    if not slug:
        raise ConfigError(f"no workspace for {url}: pass --workspace or set {ENV_WORKSPACE}.")
    profile = profile or "standard"
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}.")
    return TargetConfig(
        base_url=url.rstrip("/"),
        api_key=key,
        workspace=slug,
        project_id=project_id or None,
        profile=profile,
        seed=new_seed() if seed is None else seed,
        read_only=read_only,
        run_id=run_id or new_run_id(),
        areas=areas,
    )

"""The run configuration: where the target is and how to run, resolved once (flags > environment
> defaults) and carried as it is to the pytest plugin and its xdist workers.

`TargetConfig` is the run's options table: each field a user sets carries its option's declaration
(flag of `plane-conformance run`, flag of the pytest plugin, environment fallback, how its text is
read, whether it is a secret). `conformance.options` derives the command lines and the resolution
from it, `conformance.codec` the typed mapping it travels to xdist workers as (`to_wire` /
`from_wire`), so a new run option is one field here plus its use.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from conformance.codec import Wire, from_wire, to_wire
from conformance.credentials import ApiKey, BearerToken, Credential
from conformance.options import OptionError, declare, option, resolve, whole_number
from conformance.spec.catalogue import known_areas
from conformance.spec.scopes import outside, scopes_option

PROFILES = ("quick", "standard", "full")
ENV_URL, ENV_KEY, ENV_WORKSPACE = "PLANE_BASE_URL", ApiKey.variable, "PLANE_WORKSPACE_SLUG"
PREFIX_STEM = "plc "  # letters, digits and spaces only: names any server accepts

# The configuration cannot describe a run; the message is one sentence for the user.
ConfigError = OptionError


def new_run_id() -> str:
    return secrets.token_hex(4)


def new_seed() -> int:
    return secrets.randbelow(2**31)


def split_areas(text: str) -> tuple[str, ...] | None:
    """'auth, status,auth' -> ('auth', 'status'); '' -> None (every area)."""
    areas = tuple(dict.fromkeys(a.strip() for a in text.split(",") if a.strip()))
    return areas or None


def check_areas(areas: tuple[str, ...] | None, known: tuple[str, ...]) -> tuple[str, ...] | None:
    unknown = [a for a in areas or () if a not in known]
    if unknown:
        raise ConfigError(f"unknown area {unknown[0]!r}; the areas are {', '.join(known)}.")
    return areas


@dataclass(frozen=True, kw_only=True)
class TargetConfig:
    """One run's settings. A field with `declare(option(...))` is a run option (see module doc)."""

    base_url: str = field(
        metadata=declare(
            option(
                "--target", name="base_url", metavar="URL", pytest_flag="--plane-url", env=ENV_URL,
                label="target URL",
                help="API base URL (`run` without one: the embedded reference server)",
            )
        )
    )  # fmt: skip
    credential: Credential = field(
        repr=False,
        metadata=declare(
            option(
                "--api-key", name="api_key", metavar="KEY", pytest_flag="--plane-api-key",
                env=ENV_KEY, parse=ApiKey, secret=True, label="API key",
                help="API key; never printed",
            ),
            option(
                "--access-token", name="access_token", metavar="TOKEN",
                pytest_flag="--plane-access-token", env=BearerToken.variable, parse=BearerToken,
                secret=True, label="access token",
                help="an OAuth access token of a Plane app, sent as Authorization: Bearer "
                "instead of a key; never printed",
            ),
            exclusive=True,
        ),
    )  # fmt: skip
    # The scopes the user says the access token holds (None: found out from the answers).
    token_scopes: frozenset[str] | None = field(
        default=None,
        metadata=declare(
            option(
                "--token-scopes", name="token_scopes", metavar="SCOPES",
                pytest_flag="--plane-token-scopes", env="PLANE_TOKEN_SCOPES",
                parse=scopes_option, label="token scopes",
                help="the access token's scopes, comma-separated (`*:read`: every read scope; "
                "`-SCOPE` takes one away); default: found out from the target's answers",
            )
        ),
    )  # fmt: skip
    # What the run knows of the token's scopes (set once, by `resolve_config` from token_scopes
    # or by the scope discovery, target/scopes.py): the scope requirements (an operation's
    # `x-scopes`, conformance.spec.scopes) the token does not meet. None: no restriction known
    # (an API key). `scopes_found`: learnt from the target's answers rather than told.
    outside_scopes: frozenset[str] | None = None
    scopes_found: bool = False
    workspace: str = field(
        metadata=declare(
            option(
                "--workspace", pytest_flag="--plane-workspace", metavar="SLUG", env=ENV_WORKSPACE,
                label="workspace", help="workspace slug",
            )
        )
    )  # fmt: skip
    project_id: str | None = field(
        default=None,
        metadata=declare(
            option(
                "--project", name="project_id", metavar="UUID", pytest_flag="--plane-project",
                help="existing project UUID to work in (default: a scratch project)",
            )
        ),
    )  # fmt: skip
    profile: str = field(
        default="standard",
        metadata=declare(
            option(
                "--profile", pytest_flag="--plane-profile", choices=PROFILES, label="profile",
                help="quick, standard (default) or full",
            )
        ),
    )  # fmt: skip
    seed: int = field(
        default_factory=new_seed,
        metadata=declare(
            option(
                "--seed", pytest_flag="--plane-seed", metavar="N",
                parse=whole_number("--seed", low=0), help="random seed (printed on every run)",
            )
        ),
    )  # fmt: skip
    read_only: bool = field(
        default=False,
        metadata=declare(
            option(
                "--read-only", kind="switch", pytest_flag="--plane-read-only",
                help="send GET requests only",
            )
        ),
    )  # fmt: skip
    areas: tuple[str, ...] | None = field(  # None: every area
        default=None,
        metadata=declare(
            option(
                "--only", name="areas", metavar="AREA,...", pytest_flag="--plane-only",
                parse=split_areas, help="comma-separated areas to run (see `requirements`)",
            )
        ),
    )  # fmt: skip
    run_id: str = field(default_factory=new_run_id)  # made once per run, shared by its processes

    @property
    def prefix(self) -> str:
        """Every name the suite creates starts with this, so a sweep can find it again:
        "plc <runid> " (Plane refuses project names with punctuation, dashes included)."""
        return f"{PREFIX_STEM}{self.run_id} "

    def to_wire(self) -> Wire:
        """The whole configuration as plain data, for the run's other processes (the
        credential included: never put this on a command line or in a file)."""
        return to_wire(self)

    @classmethod
    def from_wire(cls, data: object) -> TargetConfig:
        return from_wire(cls, data)


def resolve_config(
    given: Mapping[str, object] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    pytest: bool = False,
    **options: object,
) -> TargetConfig:
    """The run's configuration from the options given (`given` and keywords, by name: base_url,
    api_key, workspace, project_id, profile, seed, read_only, areas; run_id), then the
    environment, then the defaults. `pytest` names the plugin's flags in the one-sentence
    refusals. This is the one place a run's configuration is resolved."""
    env = os.environ if env is None else env
    given = {**(given or {}), **options}
    url = given.get("base_url") or env.get(ENV_URL)
    config = resolve(TargetConfig, given, env, pytest=pytest, where=str(url or ""))
    parts = urlsplit(config.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"the target URL {config.base_url!r} is not an http(s) URL.")
    check_areas(config.areas, known_areas())
    config = replace(config, base_url=config.base_url.rstrip("/"))
    if config.token_scopes is None:
        return config
    if not isinstance(config.credential, BearerToken):
        flag = "--plane-token-scopes" if pytest else "--token-scopes"
        raise ConfigError(f"{flag} describes an access token; this run holds an API key.")
    if config.outside_scopes is None:  # told: everything else is outside
        config = replace(config, outside_scopes=outside(config.token_scopes))
    return config

"""Configuration precedence: flags > environment > defaults, with one-sentence errors."""

from __future__ import annotations

import pytest

from conformance.credentials import ApiKey
from conformance.target.config import ConfigError, check_areas, resolve_config, split_areas

ENV = {"PLANE_BASE_URL": "http://env", "PLANE_API_KEY": "env-key", "PLANE_WORKSPACE_SLUG": "env-ws"}


def test_flags_win_over_environment() -> None:
    config = resolve_config(base_url="http://flag/", api_key="k", workspace="ws", env=ENV)
    assert (config.base_url, config.credential, config.workspace) == (
        "http://flag",
        ApiKey("k"),
        "ws",
    )


def test_environment_fills_what_flags_leave_out() -> None:
    config = resolve_config(workspace="flag-ws", env=ENV)
    assert (config.base_url, config.credential, config.workspace) == (
        "http://env",
        ApiKey("env-key"),
        "flag-ws",
    )


def test_defaults() -> None:
    config = resolve_config(env=ENV)
    assert config.profile == "standard" and not config.read_only and config.project_id is None
    assert config.prefix == f"plc {config.run_id} "
    assert isinstance(config.seed, int)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"PLANE_BASE_URL": ""}, "no target URL"),
        ({"PLANE_API_KEY": ""}, "no API key"),
        ({"PLANE_WORKSPACE_SLUG": ""}, "no workspace"),
        ({"PLANE_BASE_URL": "ftp://x"}, "not an http"),
    ],
)
def test_missing_or_bad_values_are_one_sentence(changes: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError, match=words) as caught:
        resolve_config(env={**ENV, **changes})
    assert "\n" not in str(caught.value) and str(caught.value).endswith(".")


def test_areas_are_checked() -> None:
    assert split_areas("auth, status,auth") == ("auth", "status")
    assert split_areas("") is None
    assert check_areas(("auth",), ("auth", "status")) == ("auth",)
    with pytest.raises(ConfigError, match="unknown area 'paging'"):
        check_areas(("paging",), ("auth", "pagination"))

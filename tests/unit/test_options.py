"""Options declared once: the command lines, the pytest options, the resolution and the codec
all come from the fields' declarations (conformance.options)."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field

import pytest

from conformance.cli import build_parser
from conformance.codec import from_wire, to_wire
from conformance.credentials import ApiKey, BearerToken, Credential
from conformance.options import (
    MissingOption,
    add_arguments,
    declare,
    given_in,
    option,
    options_of,
    resolve,
)
from conformance.reference.config import ServerConfig
from conformance.reference.options import add_server_arguments, config_from_namespace
from conformance.reference.options import server_arguments as launcher_arguments
from conformance.run_options import RunnerOptions
from conformance.target.config import TargetConfig, resolve_config


def _help(*command: str) -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return str(sub.choices[command[0]].format_help())


def test_run_offers_every_run_option_and_the_embedded_servers() -> None:
    text = _help("run")
    for each in options_of(TargetConfig) + options_of(RunnerOptions):
        assert each.flags[-1] in text
    run_flags = {each.flags[-1] for each in options_of(TargetConfig)}  # its --api-key...
    for each in options_of(ServerConfig):
        if each.flags[-1] not in run_flags:
            assert (each.flags[-1] in text) == each.embedded, each.flags
    assert "--db" not in text and "--port" not in text


def test_serve_offers_every_server_option() -> None:
    text = _help("serve")
    for each in options_of(ServerConfig):
        assert each.flags[-1] in text


def test_the_plugin_offers_every_run_option_under_its_pytest_spelling() -> None:
    group = argparse.ArgumentParser()
    add_arguments(_PytestGroup(group), options_of(TargetConfig), pytest=True)
    flags = {flag for action in group._actions for flag in action.option_strings}
    assert {each.pytest_flag for each in options_of(TargetConfig)} <= flags
    assert {"--plane-url", "--plane-api-key", "--plane-workspace", "--plane-only"} <= flags


class _PytestGroup:
    """pytest's OptionGroup.addoption, on an argparse parser."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser

    def addoption(self, *flags: str, **settings: object) -> None:
        self.parser.add_argument(*flags, **settings)  # type: ignore[arg-type]


def test_the_resolved_configuration_travels_whole() -> None:
    config = resolve_config(
        base_url="http://t/", api_key="k-123456", workspace="ws", areas="auth,status", env={}
    )
    wire = json.loads(json.dumps(config.to_wire()))
    assert TargetConfig.from_wire(wire) == config
    assert wire["credential"] == {"scheme": "api-key", "secret": "k-123456"}
    assert "k-123456" not in repr(config)


def test_the_launcher_command_line_gives_back_the_same_server() -> None:
    config = ServerConfig(
        api_key="plane_api_notonthecommandline",
        faults=frozenset({"create-returns-200"}),
        rate_limit=30,
        rate_window=3,
        latency_ms=20,
        behaviours=frozenset({"plane-1.3.1"}),
        variations=frozenset({"docs-only"}),
        port=9999,
    )
    argv = launcher_arguments(config)
    assert "plane_api_notonthecommandline" not in " ".join(argv)
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    again = config_from_namespace(parser.parse_args(argv), {"PLANE_API_KEY": config.api_key})
    assert again == config
    assert launcher_arguments(ServerConfig()) == []  # defaults need no argument


def test_a_server_config_is_resolved_from_fields_or_options() -> None:
    by_options = resolve(ServerConfig, {"fault": ["a", "b"], "docs_only": True}, {})
    by_fields = resolve(ServerConfig, {"faults": ("a", "b"), "behaviours": ()}, {})
    assert by_options.faults == by_fields.faults == frozenset({"a", "b"})
    assert by_options.behaviours == by_fields.behaviours == frozenset()


# -- the worked example of ARCHITECTURE.md: a run option is one declaration -------------------


@dataclass(frozen=True, kw_only=True)
class _Settings:
    """A configuration as TargetConfig is one: a field per setting, its options beside it."""

    timeout_s: int = field(
        default=30,
        metadata=declare(
            option(
                "--timeout", name="timeout_s", pytest_flag="--plane-timeout", env="PLANE_TIMEOUT",
                parse=int, help="seconds to wait for an answer",
            )
        ),
    )  # fmt: skip
    credential: Credential = field(
        repr=False,
        metadata=declare(
            option("--api-key", name="api_key", env="PLANE_API_KEY", parse=ApiKey, secret=True,
                   label="API key", help="API key"),
            option("--access-token", name="access_token", env="PLANE_ACCESS_TOKEN",
                   parse=BearerToken, secret=True, label="access token", help="OAuth token"),
        ),
    )  # fmt: skip


def _parsed(*argv: str) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    add_arguments(parser, options_of(_Settings))
    return given_in(parser.parse_args(argv), options_of(_Settings))


def test_a_new_option_is_a_flag_an_environment_variable_and_travels() -> None:
    settings = resolve(_Settings, _parsed("--timeout", "5", "--api-key", "k-0001"), {})
    assert settings.timeout_s == 5 and settings.credential == ApiKey("k-0001")
    from_env = resolve(_Settings, _parsed(), {"PLANE_TIMEOUT": "7", "PLANE_API_KEY": "k-0002"})
    assert from_env.timeout_s == 7
    assert from_wire(_Settings, json.loads(json.dumps(to_wire(settings)))) == settings


def test_a_second_way_to_the_same_setting_is_one_more_option() -> None:
    token = resolve(_Settings, _parsed("--access-token", "t-0001"), {"PLANE_API_KEY": "k-0003"})
    assert token.credential == BearerToken("t-0001")  # a flag beats any variable
    from_env = resolve(_Settings, _parsed(), {"PLANE_ACCESS_TOKEN": "t-0002"})
    assert from_env.credential == BearerToken("t-0002")
    with pytest.raises(MissingOption, match="no API key or access token: pass --api-key or "):
        resolve(_Settings, _parsed(), {})

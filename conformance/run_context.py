"""What a run was, for its reports: the command line to copy, the target's kind, the budget.

`run_context` makes the `RunContext` the runner puts in `RunResult.extra.run` (results.json, the
report's header, JUnit's properties). The command line is the one typed, rebuilt from the option
tables (`conformance.options.given_argv`): every option given, and for an external target the
settings taken from the environment as flags too, so that the line can be pasted as it is. A
secret is never in it: it shows as its placeholder (`--api-key "$PLANE_API_KEY"`), which the
shell expands from the reader's own environment.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from conformance.credentials import PLACEHOLDERS
from conformance.options import declarations, given_argv, options_of
from conformance.reference.behaviours import DEFAULT_BEHAVIOURS
from conformance.reference.config import ServerConfig
from conformance.reference.options import server_options
from conformance.report.model import EmbeddedServer, RunContext
from conformance.run_options import RunnerOptions
from conformance.target.config import TargetConfig

PROGRAM = "plane-conformance run"


def _quoted(argument: str) -> str:
    """Shell quoting that keeps a placeholder expandable ("$PLANE_API_KEY")."""
    if argument in PLACEHOLDERS or (argument.startswith("$") and argument[1:].isidentifier()):
        return f'"{argument}"'
    return shlex.quote(argument)


def command_line(arguments: list[str]) -> str:
    return " ".join([PROGRAM, *(_quoted(argument) for argument in arguments)])


def _from_environment(
    given: Mapping[str, object], environ: Mapping[str, str]
) -> tuple[dict[str, object], list[str]]:
    """The run options an external run took from the environment (name -> value), and the
    variables' names."""
    taken: dict[str, object] = {}
    names: list[str] = []
    for each in options_of(TargetConfig):
        if each.name in given or not each.env or not environ.get(each.env):
            continue
        text = environ[each.env]
        taken[each.name] = each.read(text) if each.secret else text
        names.append(each.env)
    return taken, names


def embedded_server(given: Mapping[str, object], server: ServerConfig) -> EmbeddedServer:
    """The embedded server as the run configured it: its options as `run` took them."""
    behaviours = sorted(server.behaviours) if server.behaviours != DEFAULT_BEHAVIOURS else []
    return EmbeddedServer(
        arguments=given_argv(server_options(keep_embedded=True), given),
        faults=sorted(server.faults),
        behaviours=behaviours,
        variations=sorted(server.variations),
    )


def _set_in(options: RunnerOptions) -> dict[str, object]:
    """The runner's options that differ from their defaults, by option name."""
    default = RunnerOptions()
    return {
        declared.options[0].name: getattr(options, each.name)
        for each, declared in declarations(RunnerOptions)
        if getattr(options, each.name) != getattr(default, each.name)
    }


def run_context(
    target: Mapping[str, object],
    runner: RunnerOptions,
    embedded: Mapping[str, object],
    server: ServerConfig | None,
    environ: Mapping[str, str],
) -> RunContext:
    """The context of a run asked with the run options `target` (given, by name), the runner's
    `runner` and the embedded server's `embedded` options; `server` is the embedded server's
    configuration, None for an external target."""
    given = dict(target)
    environment: list[str] = []
    if server is None:
        taken, environment = _from_environment(given, environ)
        given.update(taken)
    arguments = given_argv(options_of(TargetConfig), given)
    arguments += given_argv(options_of(RunnerOptions), _set_in(runner))
    own = embedded_server(embedded, server) if server is not None else None
    if own is not None:
        arguments += own.arguments
    return RunContext(
        command=command_line(arguments),
        target_kind="external" if server is None else "embedded",
        embedded=own,
        environment=environment,
    )

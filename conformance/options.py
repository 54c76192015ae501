"""Options declared once, beside the typed setting they fill.

A configuration class (a frozen dataclass: the run's `TargetConfig`, the runner's `RunnerOptions`,
the reference server's `ServerConfig`) is its own options table: a field a user may set carries,
in its metadata, the declaration of the option(s) that set it (`declare(option(...))`). From that
one declaration everything else is derived:

* the command-line arguments (`add_arguments`: `run`, `serve`, `python -m conformance.reference`)
  and the pytest plugin's options (`add_arguments(..., pytest=True)`: `--plane-url`...);
* the values: a flag beats its environment fallback, which beats the field's default
  (`resolve`), each parsed by the option's own `parse`, every refusal one sentence;
* the command line that starts another process with a configuration (`to_argv`: the reference
  server's launcher). A secret option is never on a command line: it travels in the typed
  codec's mapping (`conformance.codec`, to xdist workers), or in the environment.

This module sits at the bottom of the layers and knows no configuration of its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar, get_args, get_origin

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Kind = Literal["value", "switch", "repeat", "optional"]
_DECLARATION = "conformance.options"  # the dataclass field metadata key
T = TypeVar("T", bound="DataclassInstance")


class OptionError(ValueError):
    """A value cannot be used; the message is one sentence for the user."""


class MissingOption(OptionError):
    """A required setting was given nowhere."""


@dataclass(frozen=True)
class Option:
    """One option: its spellings, its environment fallback, how its text is read, its help."""

    flags: tuple[str, ...]  # the command line's spellings ("-v", "--verbose")
    help: str
    name: str  # the value's name: the keyword and argparse dest
    kind: Kind = "value"  # value: --x V; switch: --x; repeat: --x V (again); optional: --x [V]
    parse: Callable[[str], object] | None = None  # text -> value; refuses with one sentence
    choices: tuple[str, ...] = ()
    env: str | None = None  # read when the flag is not given
    label: str = ""  # in words, for "no <label>" when a required setting is missing
    secret: bool = False  # never on a command line, never printed
    embedded: bool = False  # (the reference server's) also an option of `run`
    pytest_flag: str | None = None  # the pytest plugin's spelling; None: not a pytest option
    metavar: str | None = None
    const: str | None = None  # kind "optional": the value of the bare flag

    def spelled(self, pytest: bool = False) -> str:
        """The flag a user types (in `run`, or with `pytest` in pytest); "" when there is none."""
        if pytest:
            return self.pytest_flag or ""
        return self.flags[-1] if self.flags else ""

    def dest(self, pytest: bool = False) -> str:
        """Where argparse (or pytest: `config.getoption`) keeps the value."""
        if pytest and self.pytest_flag:
            return self.pytest_flag.lstrip("-").replace("-", "_")
        return self.name

    def read(self, text: str) -> object:
        """The value of `text` as this option reads it (for an environment variable's text)."""
        if self.parse is None:
            return text
        try:
            return self.parse(text)
        except (argparse.ArgumentTypeError, ValueError) as problem:
            raise OptionError(str(problem)) from None


def option(
    *flags: str,
    help: str,
    name: str | None = None,
    kind: Kind = "value",
    parse: Callable[[str], object] | None = None,
    choices: Sequence[str] = (),
    env: str | None = None,
    label: str = "",
    secret: bool = False,
    embedded: bool = False,
    pytest_flag: str | None = None,
    metavar: str | None = None,
    const: str | None = None,
) -> Option:
    """An option; its name defaults to its long flag's ("--rate-limit" -> "rate_limit"). An
    option of the pytest plugin only has no `flags`, only its `pytest_flag`."""
    long_flag = flags[-1] if flags else (pytest_flag or "")
    named = name or long_flag.lstrip("-").replace("-", "_").replace(".", "_")
    return Option(
        tuple(flags), help, named, kind, parse, tuple(choices), env, label, secret, embedded,
        pytest_flag, metavar, const,
    )  # fmt: skip


@dataclass(frozen=True)
class Declaration:
    """The options that set one field, and how their values make the field's value."""

    options: tuple[Option, ...]
    # The field's value from its options' values (name -> value, None when not given); by
    # default the first option given wins.
    combine: Callable[[Mapping[str, object]], object] | None = None
    # The command-line arguments that give the field `value` (for `to_argv`); by default the
    # option's flag with the value, when it is not the field's default.
    argv: Callable[[object], list[str]] | None = None
    # Two ways to one setting that must not both be given (an API key and an access token):
    # giving both flags, or (no flag) setting both variables, is refused in one sentence.
    exclusive: bool = False


def declare(
    *options: Option,
    combine: Callable[[Mapping[str, object]], object] | None = None,
    argv: Callable[[object], list[str]] | None = None,
    exclusive: bool = False,
) -> dict[str, Declaration]:
    """The metadata of a field set by `options`: `field(default=..., metadata=declare(...))`."""
    return {_DECLARATION: Declaration(tuple(options), combine, argv, exclusive)}


def declarations(
    cls: type[DataclassInstance],
) -> Iterator[tuple[dataclasses.Field[object], Declaration]]:
    """Each field of the configuration class `cls` that options set, with its declaration."""
    for each in dataclasses.fields(cls):
        declaration = each.metadata.get(_DECLARATION)
        if isinstance(declaration, Declaration):
            yield each, declaration


def options_of(
    cls: type[DataclassInstance], keep: Callable[[Option], bool] | None = None
) -> list[Option]:
    """Every option of `cls`, in declaration order (those `keep` keeps)."""
    found = [each for _, declared in declarations(cls) for each in declared.options]
    return [each for each in found if keep is None or keep(each)]


# -- the command lines -------------------------------------------------------------------------


def _with_env(text: str, env: str | None) -> str:
    return f"{text} (env {env})" if env else text


def add_arguments(
    target: object, options: Iterable[Option], *, pytest: bool = False, note: str = ""
) -> None:
    """Add `options` to an argparse parser (or group), or with `pytest=True` to a pytest option
    group (`parser.getgroup(...)`), under their pytest spellings; `note` opens each help."""
    add = getattr(target, "addoption" if pytest else "add_argument")
    for each in options:
        flags = (each.pytest_flag,) if pytest and each.pytest_flag else each.flags
        if not flags or (pytest and not each.pytest_flag):
            continue
        settings: dict[str, object] = {
            "dest": each.dest(pytest),
            "help": note + _with_env(each.help, each.env),
        }
        if each.kind == "switch":
            settings.update(action="store_true", default=False)
        elif each.kind == "repeat":
            settings.update(action="append", default=None, type=each.parse)
        else:
            settings.update(default=None, type=each.parse)
            if each.kind == "optional":
                settings.update(nargs="?", const=each.const)
        if each.choices:
            settings["choices"] = each.choices
        if each.metavar:
            settings["metavar"] = each.metavar
        add(*flags, **{k: v for k, v in settings.items() if v is not None or k == "default"})


def given_in(
    namespace: object, options: Iterable[Option], *, pytest: bool = False
) -> dict[str, object]:
    """What the command line gave (name -> value), from argparse's namespace or pytest's
    `config.option`; an option not given is left out."""
    found: dict[str, object] = {}
    for each in options:
        value = getattr(namespace, each.dest(pytest), None)
        if _is_given(value):
            found[each.name] = value
    return found


def _is_given(value: object) -> bool:
    """An empty text, list or switch left off counts as not given."""
    return value is not None and value is not False and value not in ("", [], ())


def _default_of(each: dataclasses.Field[object]) -> object:
    if each.default is not dataclasses.MISSING:
        return each.default
    if each.default_factory is not dataclasses.MISSING:
        return each.default_factory()
    return dataclasses.MISSING


def resolve(
    cls: type[T],
    given: Mapping[str, object],
    env: Mapping[str, str],
    *,
    pytest: bool = False,
    where: str = "",
) -> T:
    """An instance of `cls` from the values `given`, else the options' environment fallbacks,
    else the fields' defaults.

    `given` names options (as the command line does: "api_key", "fault") or fields themselves
    ("credential", "faults": a typed value, as a program gives it). A given text is read as its
    option reads it (a value already of its type is taken as it is), a list becomes the
    field's tuple or frozenset. A field given nowhere that has no default raises MissingOption,
    naming the flags and variables that would give it ("no API key for URL: pass --api-key or
    set PLANE_API_KEY.").
    """
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    for each_field in dataclasses.fields(cls):
        name = each_field.name
        declaration = each_field.metadata.get(_DECLARATION)
        options = declaration.options if isinstance(declaration, Declaration) else ()
        own = given.get(name)
        if own is not None and name not in {each.name for each in options}:
            values[name] = _as_field(hints[name], own)
            continue
        if not isinstance(declaration, Declaration):
            continue
        if declaration.exclusive:
            _refuse_both(options, given, env, pytest)
        chosen = _chosen(options, given, env)
        if declaration.combine is not None:
            values[name] = _as_field(hints[name], declaration.combine(chosen))
            continue
        value = next((v for v in chosen.values() if v is not None), None)
        if value is not None:
            values[name] = _as_field(hints[name], value)
        elif _default_of(each_field) is dataclasses.MISSING:
            raise MissingOption(_missing(options, pytest, where))
    return cls(**values)


def _chosen(
    options: Sequence[Option], given: Mapping[str, object], env: Mapping[str, str]
) -> dict[str, object]:
    """Each option's value (None: not given): a flag's, else the first environment fallback."""
    chosen: dict[str, object] = {}
    for each in options:
        value = given.get(each.name)
        if isinstance(value, str) and each.parse is not None:
            value = each.read(value)
        if each.choices and _is_given(value) and value not in each.choices:
            raise OptionError(
                f"unknown {each.label or each.name} {value!r}; "
                f"choose one of {', '.join(each.choices)}."
            )
        chosen[each.name] = value if _is_given(value) else None
    if not any(value is not None for value in chosen.values()):
        for each in options:
            text = env.get(each.env) if each.env else None
            if text:
                chosen[each.name] = each.read(text)
                break
    return chosen


def _refuse_both(
    options: Sequence[Option], given: Mapping[str, object], env: Mapping[str, str], pytest: bool
) -> None:
    """One sentence when more than one of an exclusive field's options is given."""
    flags = [each.spelled(pytest) for each in options if _is_given(given.get(each.name))]
    if len(flags) > 1:
        raise OptionError(f"give {' or '.join(flags)}, not both.")
    variables = [each.env for each in options if each.env and env.get(each.env)]
    if not flags and len(variables) > 1:
        spelled = " or ".join(each.spelled(pytest) for each in options if each.spelled(pytest))
        raise OptionError(f"both {' and '.join(variables)} are set: unset one, or pass {spelled}.")


def _as_field(kind: object, value: object) -> object:
    """A list (argparse's repeated option, a caller's tuple) as the field's own collection."""
    if isinstance(value, list | tuple | set | frozenset):
        for each in (kind, *get_args(kind)):
            if get_origin(each) is frozenset:
                return frozenset(value)
            if get_origin(each) is tuple:
                return tuple(value)
    return value


def _missing(options: Sequence[Option], pytest: bool, where: str) -> str:
    what = " or ".join(each.label or each.name for each in options)
    flags = " or ".join(each.spelled(pytest) for each in options if each.spelled(pytest))
    envs = " or ".join(each.env for each in options if each.env)
    ways = " or ".join(
        p for p in (f"pass {flags}" if flags else "", f"set {envs}" if envs else "") if p
    )
    return f"no {what}{f' for {where}' if where else ''}: {ways}."


def to_argv(instance: DataclassInstance, keep: Callable[[Option], bool] | None = None) -> list[str]:
    """The command-line arguments that give `instance`'s values (those `keep` keeps; never a
    secret): a field at its default gives none."""
    argv: list[str] = []
    for each, declaration in declarations(type(instance)):
        wanted = [o for o in declaration.options if not o.secret and (keep is None or keep(o))]
        value = getattr(instance, each.name)
        if not wanted or value == _default_of(each):
            continue
        if declaration.argv is not None:
            argv += declaration.argv(value)
            continue
        first = wanted[0]
        if first.kind == "switch":
            argv += [first.flags[-1]] if value else []
        elif first.kind == "repeat":
            for item in sorted(typing.cast(Iterable[str], value)):
                argv += [first.flags[-1], str(item)]
        elif value is not None:
            argv += [first.flags[-1], str(value)]
    return argv


def placeholder_of(each: Option, value: object) -> str:
    """What a secret shows as on a command line: the value's own placeholder (a credential's
    "$PLANE_API_KEY"), else the option's environment variable ("$NAME"), else "<redacted>"."""
    own = getattr(value, "placeholder", None)
    if isinstance(own, str):
        return own
    return f"${each.env}" if each.env else "<redacted>"


def given_argv(options: Iterable[Option], given: Mapping[str, object]) -> list[str]:
    """The command-line arguments that give `given` (option name -> value as parsed), in the
    options' order; a secret's value is its placeholder (`placeholder_of`), never the secret."""
    argv: list[str] = []
    for each in options:
        value = given.get(each.name)
        if not _is_given(value) or not each.flags:
            continue
        flag = each.flags[-1]
        if each.kind == "switch":
            argv.append(flag)
        elif each.kind == "repeat" and isinstance(value, Iterable) and not isinstance(value, str):
            for item in value:
                argv += [flag, str(item)]
        elif each.kind == "optional" and value == each.const:
            argv.append(flag)
        elif each.secret:
            argv += [flag, placeholder_of(each, value)]
        elif isinstance(value, list | tuple | frozenset):  # parsed from "a,b" (--only)
            argv += [flag, ",".join(str(item) for item in value)]
        else:
            argv += [flag, str(value)]
    return argv


# -- whole numbers -----------------------------------------------------------------------------


def whole_number(
    option_flag: str, low: int | None = 1, high: int | None = None
) -> Callable[[str], int]:
    """A parser of a whole number in [low, high], whose refusal is one sentence."""
    if low is not None and high is not None:
        wanted = f"a whole number from {low} to {high}"
    elif low is not None:
        wanted = f"a whole number ≥ {low}"
    else:
        wanted = "a whole number"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option_flag} must be {wanted}, not {text!r}"
            ) from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{option_flag} must be {wanted}, not {value}")
        return value

    parse.__name__ = option_flag  # what argparse would name in its own messages
    return parse

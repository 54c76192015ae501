"""Last line of defence: remove anything that looks like an API key before a report is written.

The target client already redacts what it records; this pass exists so that a slip anywhere
upstream (a check that puts a header in a message, a server that echoes the key in a body)
still never reaches a file on disk.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from conformance.credentials import SECRET_HEADERS, environment_secrets
from conformance.report.model import RunResult

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

REDACTED = "[redacted]"
# Plane API keys carry this prefix.
_PLANE_TOKEN = re.compile(r"plane_api_[A-Za-z0-9_\-]+")
# `X-API-Key: value`, `"api_key": "value"`, `Authorization: Bearer value` inside free text.
_KEY_IN_TEXT = re.compile(
    r"(?i)((?:x-api-key|api[_-]?key|(?:proxy-)?authorization)[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:bearer|token|basic)\s+)?)([^\s\"',;})\]]+)"
)


# An option whose value is a credential, however it is typed: --api-key, --api_key, --apikey,
# --plane-api-key, --token, --key, --secret, --password, --auth... (`--api=KEY` too).
_SECRET_OPTION = re.compile(r"(?i)^--?[a-z0-9_-]*(?:key|token|secret|passw|auth|api)[a-z0-9_-]*$")
# What a credential looks like on its own: a Plane key, or 24 letters and digits (both) with no
# separator, which no path, URL, slug, UUID or word has.
_KEY_LIKE = re.compile(r"plane_api_\S*|(?=\w*\d)(?=\w*[A-Za-z])\w{24,}", re.ASCII)


def _is_harmless(value: str) -> bool:
    """Placeholders that point at a key without being one ($PLANE_API_KEY, [redacted], ***)."""
    # ("[redacted" too: the value pattern stops at "]", and an earlier pass may have masked it)
    return value.startswith(("$", "[redacted")) or "***" in value or not value


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    text = _PLANE_TOKEN.sub(REDACTED, text)
    return _KEY_IN_TEXT.sub(
        lambda m: m.group(0) if _is_harmless(m.group(2)) else m.group(1) + REDACTED, text
    )


def scrub_data(data: object, secrets: Iterable[str] = ()) -> object:
    """A copy of JSON-like `data` with every key-looking value replaced by REDACTED."""
    secrets = tuple(secrets)
    if isinstance(data, dict):
        cleaned: dict[object, object] = {}
        for key, value in data.items():
            if str(key).lower() in SECRET_HEADERS and isinstance(value, str):
                cleaned[key] = value if _is_harmless(value) else REDACTED
            else:
                cleaned[key] = scrub_data(value, secrets)
        return cleaned
    if isinstance(data, list | tuple):
        return [scrub_data(item, secrets) for item in data]
    if isinstance(data, str):
        return scrub_text(data, secrets)
    return data


def known_secrets(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Literal secrets to remove: those given plus every credential's variable of the
    environment (PLANE_API_KEY, PLANE_ACCESS_TOKEN)."""
    candidates = [*extra, *environment_secrets(os.environ)]
    # Very short values would blank out ordinary words; real keys are long.
    return tuple(s for s in candidates if s and len(s) >= 8)


def looks_like_key(text: str) -> bool:
    return _KEY_LIKE.fullmatch(text) is not None


def command_line_secrets(arguments: Sequence[str]) -> tuple[str, ...]:
    """The credentials a command line carries: the value of every key-ish option, spelled right
    or not (`--api-key K`, `--api_key=K`, `--token K`), whatever its length, and every argument
    that looks like a key wherever it stands (pasted without its option, or as a file name)."""
    found = [argument for argument in arguments if looks_like_key(argument)]
    for index, argument in enumerate(arguments):
        name, equals, value = argument.partition("=")
        if not _SECRET_OPTION.match(name):
            continue
        if not equals and index + 1 < len(arguments):
            value = arguments[index + 1]
        if value and not value.startswith("-"):  # `--api-key --workspace x`: no value given
            found.append(value)
    return tuple(dict.fromkeys(found))


def scrub_arguments(message: str, arguments: Sequence[str]) -> str:
    """A message about a command line (argparse's errors echo what they did not understand)
    without the credentials it carries (`command_line_secrets`, masked whatever their length)
    and whatever `scrub_text` removes."""
    masked = command_line_secrets(arguments)
    for value in sorted(masked, key=len, reverse=True):
        message = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", REDACTED, message)
    return scrub_text(message, known_secrets())


class ScrubbingArgumentParser(argparse.ArgumentParser):
    """argparse's parser whose every message (errors, usage, help, version) goes through
    `scrub_arguments` with the command line it parsed: `--api_key KEY` mistyped never comes back
    as `unrecognized arguments: --api_key KEY`. Its subparsers are of the same class."""

    _arguments: Sequence[str] = ()

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._arguments = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        super()._print_message(scrub_arguments(message, self._arguments), file)


def scrubbed(result: RunResult, secrets: Iterable[str] = ()) -> RunResult:
    """A scrubbed copy of `result`; the original is left untouched."""
    return RunResult.from_dict(scrubbed_data(result, secrets))


def scrubbed_data(result: RunResult, secrets: Iterable[str] = ()) -> dict[str, object]:
    """`result` as the dict results.json holds, scrubbed."""
    clean = scrub_data(result.to_dict(), known_secrets(secrets))
    assert isinstance(clean, dict)  # a mapping stays a mapping
    return clean


class ScrubbingStream(io.TextIOBase):
    """A text stream that scrubs every write before passing it on (stdout and stderr of a run).

    Writes are scrubbed line by line, so a key split across two writes inside one line is still
    caught; a partial line is held until its end or a flush.
    """

    def __init__(self, stream: TextIO, secrets: Iterable[str]) -> None:
        super().__init__()
        self._stream = stream
        self._secrets = known_secrets(secrets)
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            done, self._pending = self._pending.rsplit("\n", 1)
            self._stream.write(scrub_text(done + "\n", self._secrets))
        elif "\r" in self._pending:  # a progress line redrawn in place
            self.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(scrub_text(self._pending, self._secrets))
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8")


@contextlib.contextmanager
def scrubbed_output(*secrets: str) -> Iterator[None]:
    """Route sys.stdout and sys.stderr through ScrubbingStream for the duration."""
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout = ScrubbingStream(old_out, secrets)
    sys.stderr = ScrubbingStream(old_err, secrets)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = old_out, old_err

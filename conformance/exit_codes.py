"""The command's exit codes, and the one exception that ends a run before it can happen.

A leaf: it imports nothing of the project, so the CLI, the runner and anything below them can
share it without importing one another. Which code a finished run gets is the results model's
`verdict_of` (conformance/report/model.py); docs/verdicts.md explains the ladder behind them.

`EXIT_CODES` is the one description of the codes: the CLI's help shows it (`help_epilog`), and
README.md and docs/github-actions.md show `markdown_table()` word for word
(tests/unit/test_exit_codes.py keeps them equal, and every `EXIT_` constant in the table).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

EXIT_OK = 0  # every in-scope MUST requirement passed (or was verified on its sample)
EXIT_FAILED = 1  # a MUST requirement failed (and the baseline does not accept it)
EXIT_UNUSABLE = 2  # the run could not happen, or was aborted: one sentence on stderr
EXIT_INCOMPLETE = 3  # no MUST failed, but a MUST is blocked, not verified or errored
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT): partial reports, scratch cleaned up, no verdict
EXIT_TERMINATED = 143  # SIGTERM (128 + 15, a cancelled CI job): the same, told by its own code


@dataclass(frozen=True)
class ExitCode:
    code: int
    meaning: str  # one sentence, plain text: the same words in the help, the README, the recipe


EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(
        EXIT_OK,
        "conforms: every MUST requirement in scope passed (verified, not merely nothing went "
        "wrong), was verified on the sample of its units the profile selected (sampled: never "
        "counted as passed), or is accepted by the baseline; a failed SHOULD is a warning",
    ),
    ExitCode(
        EXIT_FAILED,
        "does not conform: a MUST requirement failed that the baseline (if any) does not "
        "accept, or --fail-on-stale-baseline found an accepted one passing",
    ),
    ExitCode(
        EXIT_UNUSABLE,
        "no verdict: the run could not happen (a bad option or file, an unreachable URL, a "
        "wrong key, an unknown workspace) or was aborted (the target stopped answering): one "
        "sentence on stderr (a traceback when the suite itself broke)",
    ),
    ExitCode(
        EXIT_INCOMPLETE,
        "incomplete: no MUST failed, but one could not be verified (blocked by the target, "
        "not verified, or a suite error), so a target never passes by refusing what a check "
        "needs",
    ),
    ExitCode(
        EXIT_INTERRUPTED,
        "interrupted (Ctrl-C, SIGINT): partial reports are written (what never ran is *not "
        "run*) and the scratch resources deleted (a second Ctrl-C abandons the deleting and "
        "says what is left), but there is no verdict",
    ),
    ExitCode(
        EXIT_TERMINATED,
        "terminated (SIGTERM, as when a CI job is cancelled): as 130, partial reports and the "
        "scratch resources deleted, no verdict",
    ),
)


def help_epilog() -> str:
    """The codes as the CLI's help shows them (argparse's RawDescriptionHelpFormatter)."""
    rows = (
        textwrap.fill(
            each.meaning, 96, initial_indent=f"  {each.code:<4} ", subsequent_indent=" " * 7
        )
        for each in EXIT_CODES
    )
    return "exit codes of `run`:\n" + "\n".join(rows)


def markdown_table() -> str:
    """The codes as README.md and docs/github-actions.md show them, line for line."""
    rows = [f"| `{each.code}` | {each.meaning} |" for each in EXIT_CODES]
    return "\n".join(["| exit code | meaning |", "|---|---|", *rows])


class UsageFailure(Exception):
    """The run cannot happen; the message is the one sentence shown to the user."""

"""The command's exit codes, and the one exception that ends a run before it can happen.

A leaf: it imports nothing of the project, so the CLI, the runner and anything below them can
share it without importing one another. Which code a finished run gets is the results model's
`verdict_of` (conformance/report/model.py); docs/verdicts.md explains the ladder behind them.
"""

from __future__ import annotations

EXIT_OK = 0  # every in-scope MUST requirement passed
EXIT_FAILED = 1  # a MUST requirement failed (and the baseline does not accept it)
EXIT_UNUSABLE = 2  # the run could not happen, or was aborted: one sentence on stderr
EXIT_INCOMPLETE = 3  # no MUST failed, but a MUST is blocked, not verified or errored
EXIT_INTERRUPTED = 130  # Ctrl-C: partial reports, scratch cleaned up, no verdict


class UsageFailure(Exception):
    """The run cannot happen; the message is the one sentence shown to the user."""

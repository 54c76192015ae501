"""The command's exit codes, and the one exception that ends a run before it can happen.

A leaf: it imports nothing of the project, so the CLI, the runner and anything below them can
share it without importing one another. A failed MUST (exit 1) is the results model's verdict
(`RunResult.exit_code`), not a constant here.
"""

from __future__ import annotations

EXIT_OK = 0  # every MUST requirement passed
EXIT_UNUSABLE = 2  # the run could not happen: one sentence on stderr, no traceback
EXIT_INTERRUPTED = 130  # Ctrl-C: partial reports, scratch cleaned up, no verdict


class UsageFailure(Exception):
    """The run cannot happen; the message is the one sentence shown to the user."""

"""The options of `plane-conformance run` that only the runner uses (where the reports go, how many
workers, the baseline, ...), declared once as the fields of `RunnerOptions`.

The run's other options belong to their owners: what the checks see is `TargetConfig`
(conformance/target/config.py, carried to pytest and its workers), what the embedded reference
server does is `ServerConfig` (conformance/reference/config.py, the options marked `embedded`).
A light module: the CLI builds its parser from it without importing the runner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from conformance.options import declare, option, whole_number

AUTH_CHOICES = ("api-key", "bearer")


@dataclass(frozen=True, kw_only=True)
class RunnerOptions:
    report_dir: str = field(
        default="reports",
        metadata=declare(
            option("--report-dir", metavar="DIR", help="where reports go (default: reports/)")
        ),
    )
    workers: int = field(
        default=1,
        metadata=declare(
            option(
                "--workers",
                metavar="N",
                parse=whole_number("--workers"),
                help="pytest-xdist workers",
            )
        ),
    )
    verbose: bool = field(
        default=False,
        metadata=declare(
            option(
                "-v", "--verbose", kind="switch",
                help="also show pytest's output: failure sections with tracebacks",
            )
        ),
    )  # fmt: skip
    baseline: str | None = field(
        default=None,
        metadata=declare(
            option(
                "--baseline", metavar="FILE", help="YAML file of accepted failing requirement ids"
            )
        ),
    )
    fail_on_stale_baseline: bool = field(
        default=False,
        metadata=declare(
            option(
                "--fail-on-stale-baseline", kind="switch",
                help="fail when a baselined requirement now passes",
            )
        ),
    )  # fmt: skip
    write_baseline: str | None = field(
        default=None,
        metadata=declare(
            option(
                "--write-baseline",
                metavar="FILE",
                help="write the failing requirements to this file",
            )
        ),
    )
    compare_shapes: str | None = field(  # "release": the recorded release's file
        default=None,
        metadata=declare(
            option(
                "--compare-shapes", kind="optional", const="release", metavar="RECORDING",
                help="after the checks, record the target's response shapes and compare them "
                "with a recorded release (default: Plane v1.3.1's); the drift goes to "
                "results.json extra.shape_drift (creates and deletes its own project)",
            )
        ),
    )  # fmt: skip
    # Which credential the embedded server's run uses: its API key, or an access token it issues
    # (with the run's --token-scopes, every scope by default).
    auth: str = field(
        default="api-key",
        metadata=declare(
            option(
                "--auth", choices=AUTH_CHOICES, label="credential", metavar="api-key|bearer",
                help="embedded server only: run with its API key (default) or with an OAuth "
                "access token it issues (bearer: every scope, or those of --token-scopes)",
            )
        ),
    )  # fmt: skip

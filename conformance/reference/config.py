"""Run-time configuration of one reference server process, and its options table.

Each field a user sets carries its option's declaration (`conformance.options`): `serve`, the
embedded server's options of `run` (those marked `embedded`), `python -m conformance.reference`
and the launcher's command line are all derived from it (`conformance.reference.options`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from conformance.credentials import ApiKey
from conformance.credentials import mask as mask_key
from conformance.options import declare, option, whole_number
from conformance.reference.behaviours import (
    BEHAVIOUR_OPTIONS,
    DEFAULT_BEHAVIOURS,
    DOCS_ONLY,
    Behaviour,
    behaviour_arguments,
    chosen_behaviours,
    is_followed,
)
from conformance.reference.variations import Variation
from conformance.spec.scopes import scopes_option

__all__ = [
    "DEFAULT_RATE_LIMIT",
    "ServerConfig",
    "generate_access_token",
    "generate_api_key",
    "mask_key",
]

DEFAULT_RATE_LIMIT = 6000  # requests per minute per key: an embedded suite run never waits


def generate_api_key() -> str:
    return f"plane_api_{secrets.token_hex(16)}"


def generate_access_token() -> str:
    return f"plane_oauth_{secrets.token_hex(20)}"


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    api_key: str = field(
        default_factory=generate_api_key,
        repr=False,
        metadata=declare(
            option(
                "--api-key", env=ApiKey.variable, metavar="KEY", secret=True, label="API key",
                help="the key to accept (default: generated and written to a private file "
                "whose path is printed)",
            )
        ),
    )  # fmt: skip
    # The keys of a workspace member (role 15) and a guest (role 5); None: no such key. `serve`
    # takes them from PLANE_MEMBER_API_KEY / PLANE_GUEST_API_KEY or generates them (no flags).
    member_api_key: str | None = field(default=None, repr=False)
    guest_api_key: str | None = field(default=None, repr=False)
    # The access token the server issues (an OAuth app's, for the admin's user) and its scopes
    # (None: every scope the operation pages name). `serve` takes the token from
    # PLANE_ACCESS_TOKEN or generates it into a private file; the launcher generates one.
    access_token: str | None = field(default=None, repr=False)
    token_scopes: frozenset[str] | None = field(
        default=None,
        metadata=declare(
            option(
                "--token-scopes", metavar="SCOPES", parse=scopes_option,
                help="the scopes of the access token it issues, comma-separated (`*:read`: every "
                "read scope; `-SCOPE` takes one away; default: every scope)",
            ),
            argv=lambda scopes: ["--token-scopes", ",".join(sorted(scopes))],  # type: ignore[call-overload]
        ),
    )  # fmt: skip
    workspace: str = field(
        default="conformance",
        metadata=declare(option("--workspace", metavar="SLUG", help="workspace slug")),
    )
    rate_limit: int = field(
        default=DEFAULT_RATE_LIMIT,
        metadata=declare(
            option(
                "--rate-limit", parse=whole_number("--rate-limit"), embedded=True, metavar="N",
                help="requests per minute per key",
            )
        ),
    )  # fmt: skip
    # The documented window is one minute; the suite's own proof shortens it so that the
    # exhaust-and-recover checks finish in seconds.
    rate_window: int = field(
        default=60,
        metadata=declare(
            option(
                "--rate-window", parse=whole_number("--rate-window"), embedded=True, metavar="S",
                help="rate-limit window in seconds (default 60, as documented)",
            )
        ),
    )  # fmt: skip
    faults: frozenset[str] = field(
        default=frozenset(),
        metadata=declare(
            option(
                "--fault",
                kind="repeat",
                embedded=True,
                metavar="NAME",
                help="switch on a fault (repeatable)",
            )
        ),
    )
    db_path: str | None = field(  # None: a temporary file removed at shutdown
        default=None,
        metadata=declare(
            option(
                "--db", name="db_path", metavar="PATH",
                help="SQLite file to keep data across restarts (default: temporary)",
            )
        ),
    )  # fmt: skip
    # Milliseconds every API answer is held back, as a target across a network would be: the
    # benchmark's stand-in for a remote target (0: answer at once).
    latency_ms: int = field(
        default=0,
        metadata=declare(
            option(
                "--latency-ms", parse=whole_number("--latency-ms"), embedded=True, metavar="MS",
                help="hold every API answer back this long, like a remote target",
            )
        ),
    )  # fmt: skip
    # Plane's ways switched on: behaviour names and group names (see behaviours.py).
    behaviours: frozenset[str] = field(
        default=DEFAULT_BEHAVIOURS,
        metadata=declare(*BEHAVIOUR_OPTIONS, combine=chosen_behaviours, argv=behaviour_arguments),
    )
    # Legitimate variations switched on (see variations.py): other answers the docs allow.
    variations: frozenset[str] = field(
        default=frozenset(),
        metadata=declare(
            option(
                "--variation", kind="repeat", embedded=True, metavar="NAME",
                help="answer in a legitimate variation the docs allow (repeatable)",
            )
        ),
    )  # fmt: skip
    log: str | None = field(  # process-level: where `serve` writes its request log
        default=None,
        metadata=declare(
            option(
                "--log", metavar="FILE",
                help="write one line per request (method, path, status, duration; never a key) "
                "to FILE, or to stdout with -",
            )
        ),
    )  # fmt: skip
    host: str = field(
        default="127.0.0.1",
        metadata=declare(
            option("--host", metavar="H", help="the address to listen on (default 127.0.0.1)")
        ),
    )
    port: int = field(
        default=8000,
        metadata=declare(
            option(
                "--port",
                parse=whole_number("--port", 1, 65535),
                metavar="P",
                help="port (default 8000)",
            )
        ),
    )

    def has(self, fault_name: str) -> bool:
        return fault_name in self.faults

    def follows(self, behaviour: Behaviour) -> bool:
        return not self.varies(DOCS_ONLY) and is_followed(behaviour, self.behaviours)

    def varies(self, variation: Variation) -> bool:
        return variation.name in self.variations

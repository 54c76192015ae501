"""`serve(args)`: run the reference server in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
from types import FrameType
from typing import IO

import uvicorn

from conformance.reference.app import create_app
from conformance.reference.behaviours import behaviours_from_args
from conformance.reference.config import (
    DEFAULT_RATE_LIMIT,
    ServerConfig,
    generate_api_key,
    mask_key,
)
from conformance.reference.faults import unknown_faults
from conformance.reference.request_log import RequestLog
from conformance.reference.rules import auth
from conformance.reference.variations import unknown_variations


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    faults = list(getattr(args, "fault", None) or [])
    unknown = unknown_faults(faults)
    if unknown:
        raise SystemExit(f"unknown fault(s): {', '.join(unknown)} (see `plane-conformance faults`)")
    try:
        behaviours = behaviours_from_args(args)
    except ValueError as problem:
        raise SystemExit(str(problem)) from None
    variations = list(getattr(args, "variation", None) or [])
    unknown = unknown_variations(variations)
    if unknown:
        raise SystemExit(
            f"unknown variation(s): {', '.join(unknown)} (see `plane-conformance variations`)"
        )
    return ServerConfig(
        behaviours=behaviours,
        api_key=getattr(args, "api_key", None) or generate_api_key(),
        member_api_key=getattr(args, "member_api_key", None),
        guest_api_key=getattr(args, "guest_api_key", None),
        workspace=getattr(args, "workspace", None) or "conformance",
        rate_limit=getattr(args, "rate_limit", None) or DEFAULT_RATE_LIMIT,
        rate_window=getattr(args, "rate_window", None) or 60,
        faults=frozenset(faults),
        variations=frozenset(variations),
        db_path=getattr(args, "db", None),
        latency_ms=getattr(args, "latency_ms", None) or 0,
    )


def _case_sensitive_key_protocol() -> type:
    """The httptools protocol with the auth-header-case-sensitive fault applied to raw names."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class CaseSensitiveKeyProtocol(HttpToolsProtocol):
        def on_header(self, name: bytes, value: bytes) -> None:
            super().on_header(auth.case_sensitive_header_name(name), value)

    return CaseSensitiveKeyProtocol


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    app = create_app(config)
    print(
        f"reference server on http://{args.host}:{args.port} workspace={config.workspace} "
        f"key={mask_key(config.api_key)} member_key={'yes' if config.member_api_key else 'no'} "
        f"guest_key={'yes' if config.guest_api_key else 'no'} rate_limit={config.rate_limit}/min "
        f"faults={','.join(sorted(config.faults)) or 'none'} "
        f"behaviours={','.join(sorted(config.behaviours)) or 'docs'} "
        f"variations={','.join(sorted(config.variations)) or 'none'}",
        file=sys.stderr,
        flush=True,
    )
    fast = importlib.util.find_spec("uvloop") and importlib.util.find_spec("httptools")
    http: str | type = "httptools" if fast else "h11"
    if config.has(auth.KEY_HEADER_CASE_SENSITIVE.name):
        http = _case_sensitive_key_protocol()  # header case is lost before the ASGI app
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again for the
    # handler that was there before it. With Python's defaults SIGTERM would kill the process
    # right there, before `finally` removes the temporary database: every embedded run used to
    # leave its SQLite files behind. Ours turns the re-raised signal into a clean exit.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _exit_quietly)
    log_to = getattr(args, "log", None)
    stream: IO[str] | None = None
    if log_to:
        stream = sys.stdout if log_to == "-" else open(log_to, "a", encoding="utf-8")  # noqa: SIM115
    try:
        uvicorn.run(
            RequestLog(app, stream) if stream else app,
            host=args.host,
            port=args.port,
            log_level="warning",
            access_log=False,
            loop="uvloop" if fast else "asyncio",
            http=http,
            lifespan="off",
        )
    finally:
        app.shutdown()
        if stream is not None and stream is not sys.stdout:
            stream.close()
    return 0

"""`serve(config)`: run the reference server in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import importlib.util
import signal
import sys
from types import FrameType
from typing import IO

import uvicorn

from conformance.reference.app import create_app
from conformance.reference.config import ServerConfig, mask_key
from conformance.reference.request_log import RequestLog
from conformance.reference.rules import auth


def _case_sensitive_key_protocol() -> type:
    """The httptools protocol with the auth-header-case-sensitive fault applied to raw names."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class CaseSensitiveKeyProtocol(HttpToolsProtocol):
        def on_header(self, name: bytes, value: bytes) -> None:
            super().on_header(auth.case_sensitive_header_name(name), value)

    return CaseSensitiveKeyProtocol


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve(config: ServerConfig) -> int:
    app = create_app(config)
    print(
        f"reference server on http://{config.host}:{config.port} workspace={config.workspace} "
        f"key={mask_key(config.api_key)} member_key={'yes' if config.member_api_key else 'no'} "
        f"guest_key={'yes' if config.guest_api_key else 'no'} "
        f"access_token={'yes' if config.access_token else 'no'} "
        f"token_scopes={len(config.token_scopes) if config.token_scopes else 'all'} "
        f"rate_limit={config.rate_limit}/min "
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
    stream: IO[str] | None = None
    if config.log:
        stream = sys.stdout if config.log == "-" else open(config.log, "a", encoding="utf-8")  # noqa: SIM115
    try:
        uvicorn.run(
            RequestLog(app, stream) if stream else app,
            host=config.host,
            port=config.port,
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

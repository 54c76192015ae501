"""Start the reference server as a subprocess on a free loopback port and wait until it listens.

The server says so itself, on a pipe the launcher gives it (no polling, no deadline that a busy
machine could miss), and lives in a session of its own: a Ctrl-C to the caller's terminal, or a
CI runner's SIGTERM to the caller's process group, is the caller's to act on (a run that is
interrupted still cleans up on its server, then stops it). It ends when its handle is stopped, or
when the caller dies (its stdin, whose other end the caller holds, closes).
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
from dataclasses import replace
from types import TracebackType
from typing import IO

from conformance.reference.config import (
    ServerConfig,
    generate_access_token,
    generate_api_key,
    mask_key,
)
from conformance.reference.options import (
    GUEST_KEY_VARIABLE,
    KEY_VARIABLE,
    MEMBER_KEY_VARIABLE,
    READY_FD_VARIABLE,
    TOKEN_VARIABLE,
    WATCH_STDIN_VARIABLE,
    server_arguments,
    server_config,
)

# A bound for a server that neither listens nor exits (hung), never a pace: a healthy start
# says "ready" long before, however busy the machine.
STARTUP_BOUND_S = 300.0


class ReferenceServerError(RuntimeError):
    """The server process did not come up."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _word_of(ready: int) -> str:
    """Wait for the server's word on the pipe: "ready" once it listens; "" (end of file) when it
    exits first (a port taken meanwhile, a bad option); "hung" when neither comes."""
    with os.fdopen(ready, "rb") as pipe:
        readable, _, _ = select.select([pipe], [], [], STARTUP_BOUND_S)
        return pipe.readline().strip().decode() if readable else "hung"


class RunningServer:
    def __init__(
        self,
        process: subprocess.Popen[bytes],
        port: int,
        api_key: str,
        workspace: str,
        member_key: str = "",
        guest_key: str = "",
        access_token: str = "",
    ):
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.api_key = api_key
        self.workspace = workspace
        # The keys of the seeded workspace member (role 15) and guest (role 5).
        self.member_key = member_key
        self.guest_key = guest_key
        # The OAuth access token it issued (the admin's user; the config's token_scopes).
        self.access_token = access_token

    def __repr__(self) -> str:
        return f"RunningServer({self.base_url}, key={mask_key(self.api_key)}, ws={self.workspace})"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)  # a bound for a hung server, not a pace
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_reference_server(
    config: ServerConfig | None = None, *, stderr: int | IO[str] | None = None, **settings: object
) -> RunningServer:
    """Start `config` (or a ServerConfig of `settings`, by field or option name: `faults=...`,
    `rate_limit=...`, `behaviours=...`, which replaces the default set). The server also gets a
    workspace member's and a guest's key and an access token (generated unless the config has
    them). `stderr` goes to
    subprocess.Popen: None inherits ours, subprocess.DEVNULL silences the server's log line and
    tracebacks, a file collects them."""
    config = config or server_config(settings)
    member = config.member_api_key or generate_api_key()
    guest = config.guest_api_key or generate_api_key()
    token = config.access_token or generate_access_token()
    # The keys travel in the environment, never on the command line (see options.KEY_VARIABLE).
    env = {
        **os.environ,
        KEY_VARIABLE: config.api_key,
        MEMBER_KEY_VARIABLE: member,
        GUEST_KEY_VARIABLE: guest,
        TOKEN_VARIABLE: token,
        WATCH_STDIN_VARIABLE: "1",
    }
    for _attempt in range(3):  # the free port may be taken between probe and bind
        port = _free_port()
        command = [sys.executable, "-m", "conformance.reference"]
        command += server_arguments(replace(config, port=port, host="127.0.0.1"))
        ready, told = os.pipe()
        process = subprocess.Popen(
            command,
            env={**env, READY_FD_VARIABLE: str(told)},
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            pass_fds=(told,),
            start_new_session=True,
        )
        os.close(told)
        word = _word_of(ready)
        if word == "ready":
            return RunningServer(
                process, port, config.api_key, config.workspace, member, guest, token
            )
        if word == "hung":
            RunningServer(process, port, config.api_key, config.workspace).stop()
            raise ReferenceServerError(
                f"reference server neither listened nor exited within {STARTUP_BOUND_S:.0f}s"
            )
        process.wait()
        if process.stdin is not None:
            process.stdin.close()
    raise ReferenceServerError("reference server exited during start-up (see its stderr)")

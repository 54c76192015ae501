"""Start the reference server as a subprocess on a free loopback port and wait until it answers."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
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
    TOKEN_VARIABLE,
    server_arguments,
    server_config,
)

STARTUP_TIMEOUT = 10.0  # seconds; a healthy start takes well under 2


class ReferenceServerError(RuntimeError):
    """The server process did not come up."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    """An HTTP answer of any kind on a non-API path (which spends no rate limit) means it is up."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
        connection.request("GET", "/health")
        connection.getresponse().read()
        connection.close()
        return True
    except OSError:
        return False


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
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

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
    }
    for _attempt in range(3):  # the free port may be taken between probe and bind
        port = _free_port()
        command = [sys.executable, "-m", "conformance.reference"]
        command += server_arguments(replace(config, port=port, host="127.0.0.1"))
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(port):
                return RunningServer(
                    process, port, config.api_key, config.workspace, member, guest, token
                )
            time.sleep(0.02)
        if process.poll() is None:
            process.kill()
            process.wait()
            raise ReferenceServerError(f"reference server did not answer within {STARTUP_TIMEOUT}s")
    raise ReferenceServerError("reference server exited during start-up (see its stderr)")

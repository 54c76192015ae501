"""Start the reference server as a subprocess on a free loopback port and wait until it answers."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from types import TracebackType
from typing import IO, Any

from conformance.reference.config import generate_api_key, mask_key

STARTUP_TIMEOUT = 10.0  # seconds; a healthy start takes well under 2


class ReferenceServerError(RuntimeError):
    """The server process did not come up."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    """Any HTTP answer on a non-API path (which spends no rate limit) means it is up."""
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
    ):
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.api_key = api_key
        self.workspace = workspace
        # The keys of the seeded workspace member (role 15) and guest (role 5).
        self.member_key = member_key
        self.guest_key = guest_key

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
    *,
    faults: Iterable[str] = (),
    rate_limit: int | None = None,
    rate_window: int | None = None,
    api_key: str | None = None,
    workspace: str = "conformance",
    db_path: str | None = None,
    stderr: int | IO[Any] | None = None,
    latency_ms: int | None = None,
    behaviours: Iterable[str] | None = None,
    variations: Iterable[str] = (),
) -> RunningServer:
    """`stderr` goes to subprocess.Popen: None inherits ours, subprocess.DEVNULL silences the
    server's log line and tracebacks, a file collects them. `behaviours` (names or groups, see
    behaviours.py) replaces the server's default set; None keeps the default."""
    key = api_key or generate_api_key()
    command = [sys.executable, "-m", "conformance.reference", "--workspace", workspace]
    for fault in faults:
        command += ["--fault", fault]
    for variation in variations:
        command += ["--variation", variation]
    if rate_limit is not None:
        command += ["--rate-limit", str(rate_limit)]
    if rate_window is not None:
        command += ["--rate-window", str(rate_window)]
    if db_path is not None:
        command += ["--db", str(db_path)]
    if latency_ms:
        command += ["--latency-ms", str(latency_ms)]
    if behaviours is not None:
        command.append("--docs-only")
        for behaviour in behaviours:
            command += ["--behaviour", behaviour]
    member, guest = generate_api_key(), generate_api_key()
    env = {
        **os.environ,
        "PLANE_REFERENCE_API_KEY": key,
        "PLANE_REFERENCE_MEMBER_API_KEY": member,
        "PLANE_REFERENCE_GUEST_API_KEY": guest,
    }
    for _attempt in range(3):  # the free port may be taken between probe and bind
        port = _free_port()
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(port):
                return RunningServer(process, port, key, workspace, member, guest)
            time.sleep(0.02)
        if process.poll() is None:
            process.kill()
            process.wait()
            raise ReferenceServerError(f"reference server did not answer within {STARTUP_TIMEOUT}s")
    raise ReferenceServerError("reference server exited during start-up (see its stderr)")

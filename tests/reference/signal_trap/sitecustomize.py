"""A signal trap in the reference server, for tests/reference/test_interrupt.py.

Put on PYTHONPATH with PLC_SIGNAL_TRAP set (JSON), it wraps the app of a reference server process
(`python -m conformance.reference`, as the launcher and the embedded run start it) so that the
server itself sends a signal to the run at a chosen request, once it has handled it and *before*
its answer leaves: the request has had its effect (a create made the object), and the run is
waiting for that very answer, so it is in the phase the request belongs to, however slow the
machine. Every request is also written to a journal (one JSON line each), which the tests read
for what was created and deleted.

PLC_SIGNAL_TRAP = {"journal": PATH, "target": "parent" | PATH (a file holding the run's pid),
                   "group": true|false, "rules": [{"method": M, "path": REGEX, "nth": N,
                   "header": NAME, "without_header": NAME (both optional),
                   "signals": ["SIGINT"|"SIGTERM", ...]}, ...]}
A rule sends its first signal at its nth matching request, and each further one at the next
request the server receives (whatever it is): a second Ctrl-C that comes during cleanup.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import threading
import time
from typing import Any

Scope = dict[str, Any]
CAMPAIGN_HEADER = "x-schemathesis-testcaseid"  # schemathesis marks the cases it generates


class Trap:
    def __init__(self, app: Any, settings: dict[str, Any]) -> None:
        self.app = app
        self.journal = settings["journal"]
        self.target = settings.get("target", "parent")
        self.group = bool(settings.get("group"))
        self.rules = [dict(rule, seen=0) for rule in settings.get("rules", [])]
        self.queued: list[str] = []  # signals due at the next request
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:  # the app's own (shutdown...)
        return getattr(self.app, name)

    async def _target_pid(self) -> int:
        if self.target == "parent":
            return os.getppid()
        while not os.path.exists(self.target):  # the test writes it once the run is started
            await asyncio.sleep(0.01)
        with open(self.target, encoding="utf-8") as handle:
            return int(handle.read().strip())

    async def _send(self, name: str) -> None:
        signum = getattr(signal, name)
        pid = await self._target_pid()
        if self.group:
            os.killpg(os.getpgid(pid), signum)
        else:
            os.kill(pid, signum)

    def _matches(self, rule: dict[str, Any], method: str, path: str, headers: set[str]) -> bool:
        if rule.get("method") and rule["method"] != method:
            return False
        if rule.get("header") and rule["header"].lower() not in headers:
            return False
        if rule.get("without_header") and rule["without_header"].lower() in headers:
            return False
        return re.search(rule.get("path", ""), path) is not None

    def _write(self, row: dict[str, Any]) -> None:
        with self.lock, open(self.journal, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        headers = {name.decode().lower() for name, _ in scope.get("headers", [])}
        signalled = []
        with self.lock:
            if self.queued:
                signalled.append(self.queued.pop(0))
            for rule in self.rules:
                if self._matches(rule, method, path, headers):
                    rule["seen"] += 1
                    if rule["seen"] == rule.get("nth", 1):
                        first, *later = rule["signals"]
                        signalled.append(first)
                        self.queued.extend(later)
        row: dict[str, Any] = {"at": time.time(), "method": method, "path": path}
        if CAMPAIGN_HEADER in headers:
            row["campaign"] = True
        if signalled:
            row["signalled"] = list(signalled)
        status: list[int] = []
        body: list[bytes] = []

        async def signal_once() -> None:
            while signalled:
                await self._send(signalled.pop(0))

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                await signal_once()  # handled, not answered yet
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, keep)
        finally:
            await signal_once()  # the app sent no answer
            row["status"] = status[0] if status else None
            if method == "POST" and re.fullmatch(r"/api/v1/workspaces/[^/]+/projects/", path):
                with contextlib.suppress(ValueError, AttributeError):
                    row["created"] = json.loads(b"".join(body)).get("id")
            self._write(row)


def _install() -> None:
    settings = os.environ.get("PLC_SIGNAL_TRAP")
    if not settings or "conformance.reference" not in getattr(sys, "orig_argv", []):
        return
    from conformance.reference import server

    create_app = server.create_app

    def trapped(config: Any) -> Any:
        return Trap(create_app(config), json.loads(settings))

    server.create_app = trapped  # type: ignore[assignment]


_install()

"""The shape of a route table: path → {method: handler}. app.py turns it into Starlette routes."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from conformance.reference.context import Ctx

Handler = Callable[[Ctx], Response]
RouteTable = list[tuple[str, dict[str, Handler]]]

WORKSPACE = "/api/v1/workspaces/{slug}"
PROJECT = WORKSPACE + "/projects/{project_id}"

"""The shape of a route table: path → {method: handler}. app.py turns it into Starlette routes."""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response

from conformance.reference.context import Ctx

Handler = Callable[[Ctx], Response]
RouteTable = list[tuple[str, dict[str, Handler]]]

WORKSPACE = "/api/v1/workspaces/{slug}"
PROJECT = WORKSPACE + "/projects/{project_id}"


def body_unread(when: Callable[[Ctx], bool]) -> Callable[[Handler], Handler]:
    """Mark a handler that, when `when(ctx)`, never reads the request body (as a Plane view
    that ignores it): a body that is not JSON is then no reason for a 400."""

    def mark(handler: Handler) -> Handler:
        handler.body_unread = when  # type: ignore[attr-defined]
        return handler

    return mark


def reads_body(handler: Handler, ctx: Ctx) -> bool:
    when = getattr(handler, "body_unread", None)
    return not (when is not None and when(ctx))

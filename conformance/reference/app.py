"""The Starlette application: route table, request context, error mapping, app factory."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from conformance.reference import permissions
from conformance.reference.config import ServerConfig
from conformance.reference.context import Ctx, People
from conformance.reference.gateway import Gateway
from conformance.reference.resources import (
    activities,
    assets,
    attachments,
    children,
    cycles,
    features,
    intake,
    invitations,
    labels,
    members,
    modules,
    projects,
    relations,
    states,
    stickies,
    unrouted,
    uploads,
    users,
    work_items,
)
from conformance.reference.resources.routing import Handler, RouteTable, reads_body
from conformance.reference.rules import auth
from conformance.reference.rules.errors import (
    ApiError,
    bad_request,
    json_response,
    method_not_allowed,
    unknown_route,
)
from conformance.reference.store import Doc, Store

CLIENT_CLOSED = 499  # nginx's "client closed request": never sent, the client is gone

log = logging.getLogger("conformance.reference")
Endpoint = Callable[[Request], Awaitable[Response]]
WRITE_METHODS = ("POST", "PATCH", "PUT", "DELETE")


def route_table(config: ServerConfig) -> RouteTable:
    table = (
        users.ROUTES
        + projects.ROUTES
        + states.ROUTES
        + labels.ROUTES
        + work_items.routes(config)
        + children.ROUTES
        + cycles.ROUTES
        + modules.ROUTES
        + activities.ROUTES
        + attachments.routes(config)
        + relations.ROUTES
        + intake.ROUTES
        + members.ROUTES
        + stickies.ROUTES
        + invitations.ROUTES
        + assets.ROUTES
        + features.ROUTES
    )
    table = work_items.with_issues_alias(activities.recording(table), config)
    return unrouted.routed(table, config)


async def _read_json(request: Request) -> object:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Malformed JSON body.") from None


@dataclass(frozen=True)
class AppState:
    """What every endpoint of the app shares."""

    config: ServerConfig
    store: Store
    workspace: Doc
    people: People


def _endpoint(handler: Handler, state: AppState, template: str) -> Endpoint:
    config = state.config

    async def endpoint(request: Request) -> Response:
        try:
            path = request.path_params
            ctx = Ctx(
                config=config,
                store=state.store,
                user_id=state.people.by_key[request.scope.get(auth.CALLER, auth.ADMIN)],
                workspace=state.workspace,
                path=path,
                params=request.query_params,
                base_url=str(request.base_url).rstrip("/"),
                people=state.people,
            )
            if "slug" in path:
                permissions.check_workspace(ctx, path["slug"])
            method = "GET" if request.method == "HEAD" else request.method
            permissions.check(ctx, method, template, users.role(ctx, ctx.user_id))
            if request.method in WRITE_METHODS and reads_body(handler, ctx):
                ctx.body = await _read_json(request)
            return handler(ctx)
        except ApiError as error:
            if error.status >= 500:
                log.error("deliberate %s on %s %s", error.status, request.method, request.url.path)
            return json_response(error.body, config, error.status)
        except ClientDisconnect:
            # The client went away while sending its body: nobody is left to answer, and
            # nothing went wrong on this side, so nothing is logged.
            return Response(status_code=CLIENT_CLOSED)
        except Exception:
            # A bug, never an answer to input: logged loudly, answered as JSON.
            log.exception("unhandled error on %s %s", request.method, request.url.path)
            return json_response({"error": "Internal server error"}, config, 500)

    return endpoint


def create_app(config: ServerConfig) -> Gateway:
    """The ASGI app: Starlette routes behind the auth / rate-limit gateway."""
    temporary = None
    db_path = config.db_path
    if db_path is None:
        handle, temporary = tempfile.mkstemp(prefix="plane-reference-", suffix=".sqlite3")
        os.close(handle)
        db_path = temporary
    store = Store(db_path, durable=config.db_path is not None)
    workspace, people = users.seed(store, config.workspace)
    state = AppState(config, store, workspace, people)
    # (the upload routes take the state as a mapping)
    routes = _routes(route_table(config), state) + uploads.routes(vars(state))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            return method_not_allowed(config, allowed)
        return unknown_route(config)

    def shutdown() -> None:
        store.close()
        if temporary:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(temporary + suffix):
                    os.remove(temporary + suffix)

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error},
    )
    app.state.store = store
    app.state.config = config
    gateway = Gateway(app, config)
    gateway.store = store
    gateway.shutdown = shutdown
    return gateway


def _routes(table: RouteTable, state: AppState) -> list[Route]:
    """One Route per path holding all its methods, so a missing method answers 405, not 404."""
    by_path: dict[str, dict[str, Endpoint]] = {}
    for path, methods in table:
        for method, handler in methods.items():
            by_path.setdefault(path, {})[method] = _endpoint(handler, state, path)

    def dispatcher(endpoints: dict[str, Endpoint]) -> Endpoint:
        async def dispatch(request: Request) -> Response:
            # Starlette adds HEAD wherever GET is offered; it is answered like GET.
            method = "GET" if request.method == "HEAD" else request.method
            return await endpoints[method](request)

        return dispatch

    return [Route(path, dispatcher(eps), methods=list(eps)) for path, eps in by_path.items()]

"""The API's middleware stack: request ids, access log and metrics, CORS, limits."""

from __future__ import annotations

import logging
import re
import time

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.limits import BodySizeLimitMiddleware, RateLimitMiddleware
from api.metrics import UNMATCHED_ROUTE, Metrics
from api.observability import REQUEST_ID_HEADER, accept_or_new_request_id, request_id_var
from api.security import API_KEY_HEADER
from corpusmap.config import Settings

log = logging.getLogger(__name__)
access_log = logging.getLogger("api.access")

#: Methods counted by name; anything else is "other", so clients cannot mint series.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RouteTemplates:
    """Path templates of an app's routes, for requests FastAPI did not route itself.

    FastAPI records the route it ran for its API routes only; for the rest (the
    OpenAPI document, the docs pages) and for requests refused before routing
    (413, 429) the template is found here, from the OpenAPI paths, the app's
    plain routes and its mounts, compiled once on first use.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._compiled: list[tuple[re.Pattern[str], str]] | None = None

    def _templates(self) -> list[tuple[re.Pattern[str], str]]:
        if self._compiled is None:
            try:
                paths = list(self.app.openapi().get("paths", {}))
            except Exception:  # a broken schema must not break requests
                log.warning("no OpenAPI paths for metrics labels", exc_info=True)
                paths = []
            paths += [p for r in self.app.routes if isinstance(p := getattr(r, "path", None), str)]
            # A mount (the static files) answers every path under it: one template.
            paths += [f"{r.path}/{{path:path}}" for r in self.app.routes if isinstance(r, Mount)]
            self._compiled = [(compile_path(p)[0], p) for p in paths]
        return self._compiled

    def find(self, scope: Scope) -> str:
        """The template of the route a request went (or would have gone) to."""
        path = getattr(scope.get("route"), "path", None)
        if isinstance(path, str):
            return path
        for pattern, template in self._templates():
            if pattern.match(scope["path"]):
                return template
        return UNMATCHED_ROUTE


class RequestContextMiddleware:
    """Outermost: sets the request id, echoes it, logs one access line, counts the request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, templates: RouteTemplates) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request inside its id's context and record how it ended."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_or_new_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "other"
        route = self.templates.find(scope)
        self.metrics.observe(route, method, status, seconds)
        access_log.info(
            "%s %s %d %.1fms",
            method,
            scope["path"],
            status,
            seconds * 1000,
            extra={
                "method": method,
                "path": scope["path"],
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
                "client": (scope.get("client") or ("-",))[0],
            },
        )


def install_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    """Add the stack; the last added runs first (outermost)."""
    if settings.max_request_bytes > 0:
        app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(
            RateLimitMiddleware,
            per_minute=settings.rate_limit_per_minute,
            burst=settings.rate_limit_burst,
        )
    if settings.cors_origins:
        # Outside the limits, so a 413 or 429 still carries CORS headers and a
        # browser shows the real error instead of a CORS failure.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Content-Type", "Authorization", API_KEY_HEADER, REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, templates=RouteTemplates(app))

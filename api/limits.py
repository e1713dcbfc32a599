"""Request limits as ASGI middleware: body size (413) and requests per client (429)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Paths a probe or a scraper calls on a schedule; limiting them would make a busy
#: server look dead to its orchestrator.
UNLIMITED_PATHS = frozenset({"/health", "/ready", "/metrics"})


def _error(
    status: int, detail: str, error: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"detail": detail, "error": error}, status_code=status, headers=headers)


class BodyTooLarge(Exception):
    """The streamed body passed the limit."""


class BodySizeLimitMiddleware:
    """413 for a body over `max_bytes`: by Content-Length at once, else while it streams.

    The body is read up to the limit before the app runs and then handed on: every
    route of this API reads whole JSON bodies anyway, and this way a chunked upload
    that grows past the limit is refused before any route sees a byte of it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> JSONResponse:
        return _error(
            413,
            f"request body over {self.max_bytes} bytes",
            "RequestTooLarge",
            {"Connection": "close"},
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check, buffer, then run the app with the buffered body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The server has refused a malformed Content-Length already.
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            await self._too_large()(scope, receive, send)
            return
        try:
            body = await self._read_body(receive)
        except BodyTooLarge:
            await self._too_large()(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away; the app will see the same on its next receive.
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that yields the buffered body once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class TokenBuckets:
    """One token bucket per key: `rate` tokens a second up to `burst`; bounded in size."""

    def __init__(
        self,
        per_minute: int,
        burst: int,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take a token: 0.0 if one was there, else the seconds until one will be."""
        now = self.clock()
        tokens, last = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate
        self._buckets[key] = (tokens, now)
        # Least recently seen clients go first; a forgotten client gets a full bucket,
        # which is what it would have refilled to by then anyway unless it is busy.
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


class RateLimitMiddleware:
    """429 with Retry-After for a client IP over its allowance.

    The IP is the ASGI client address: behind a proxy, run uvicorn with
    --proxy-headers and --forwarded-allow-ips so it is the real client's (trusting
    X-Forwarded-For from anyone would let a client pick its own bucket). Buckets are
    per process: with N workers a client may get up to N times the allowance.
    """

    def __init__(self, app: ASGIApp, per_minute: int, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request through, or answer 429."""
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = self.buckets.take(client[0] if client else "unknown")
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            response = _error(
                429, "too many requests; retry later", "RateLimited", {"Retry-After": retry}
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

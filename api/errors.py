"""Domain errors mapped to HTTP once, for every route."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pymilvus import MilvusException

from corpusmap.errors import (
    ConfigError,
    CorpusmapError,
    InvalidQueryError,
    ModelLoadError,
    NotFoundError,
    StoreError,
)

log = logging.getLogger(__name__)

_STATUS: list[tuple[type[CorpusmapError], int]] = [
    (NotFoundError, 404),
    (InvalidQueryError, 422),
    (ConfigError, 400),
    (ModelLoadError, 503),
    (StoreError, 503),
]


def _status_for(exc: CorpusmapError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


async def corpusmap_error(request: Request, exc: Exception) -> JSONResponse:
    """A corpusmap error as JSON with the status its kind implies."""
    assert isinstance(exc, CorpusmapError)
    status = _status_for(exc)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": str(exc), "error": type(exc).__name__}, status_code=status)


async def milvus_error(request: Request, exc: Exception) -> JSONResponse:
    """Milvus failures the store did not translate: the store is unavailable (503)."""
    log.exception("Milvus error on %s %s", request.method, request.url.path)
    message = getattr(exc, "message", str(exc))
    return JSONResponse(
        {"detail": f"the vector store failed: {message}", "error": "StoreError"}, status_code=503
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(CorpusmapError, corpusmap_error)
    app.add_exception_handler(MilvusException, milvus_error)

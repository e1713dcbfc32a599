"""Domain errors mapped to HTTP once, for every route, and the error answers the
OpenAPI schema documents (`NOT_FOUND`, `BAD_BODY`, ... for the routers' `responses=`).

Every 422 has the shape FastAPI documents for validation errors (`detail`: a list of
`{loc, msg, type}`), whether pydantic or the core (`InvalidQueryError`) refused the
request; other errors are `{detail: str, error: str}`.
"""

from __future__ import annotations

import logging
import math
import reprlib
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from pymilvus import MilvusException

from api.ui.routes import APP_PAGES, error_page
from corpusmap.errors import (
    BuildError,
    ConfigError,
    CorpusmapError,
    InvalidQueryError,
    ModelLoadError,
    NotFoundError,
    StoreError,
)

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    """An error answer: what went wrong, and for corpusmap's own errors their kind."""

    detail: str = Field(description="What went wrong.")
    error: str | None = Field(None, description="The kind of error (e.g. NotFoundError).")


def _documented(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    # The schema inline rather than `model=`: FastAPI files a model under the route's
    # media type, and an HTML route's errors are JSON all the same.
    json = {"application/json": {"schema": ErrorBody.model_json_schema()}}
    return {status: {"description": description, "content": json}}


#: For operations on a collection (or on a document or topic of one).
NOT_FOUND = _documented(404, "No such collection, document or topic")
#: For operations that read a JSON body: bytes that are not text cannot be parsed.
BAD_BODY = _documented(400, "The body cannot be parsed")
#: For operations that change what is served.
CONFLICT = _documented(409, "The build cannot be published or rolled back")
#: For the admin operations.
UNAUTHORIZED = _documented(401, "No API key") | _documented(403, "A wrong API key")

_STATUS: list[tuple[type[CorpusmapError], int]] = [
    (NotFoundError, 404),
    (InvalidQueryError, 422),
    (ConfigError, 400),
    (BuildError, 409),
    (ModelLoadError, 503),
    (StoreError, 503),
]


def _status_for(exc: CorpusmapError) -> int:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            return status
    return 500


async def corpusmap_error(request: Request, exc: Exception) -> Response:
    """A corpusmap error as JSON with the status its kind implies (on the app's pages,
    as a page: a person reads it in a browser)."""
    assert isinstance(exc, CorpusmapError)
    status = _status_for(exc)
    if status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc)
    if request.url.path.startswith(APP_PAGES):
        return error_page(request, status, str(exc))
    detail: Any = str(exc)
    if status == 422:  # documented as validation errors are: a list naming the request
        detail = [{"loc": ["request"], "msg": str(exc), "type": "invalid_query"}]
    return JSONResponse({"detail": detail, "error": type(exc).__name__}, status_code=status)


async def milvus_error(request: Request, exc: Exception) -> JSONResponse:
    """Milvus failures the store did not translate: the store is unavailable (503)."""
    log.exception("Milvus error on %s %s", request.method, request.url.path)
    message = getattr(exc, "message", str(exc))
    return JSONResponse(
        {"detail": f"the vector store failed: {message}", "error": "StoreError"}, status_code=503
    )


_ECHO = reprlib.Repr()  # depth- and size-bounded (keyword options need Python 3.12)
_ECHO.maxlevel, _ECHO.maxstring, _ECHO.maxother = 3, 200, 200
_ECHO_CHARS = 200


def _json_safe(value: Any) -> Any:
    """`value` (JSON-able data) as JSON can carry it: NaN and infinities (which JSON has
    no literal for) as text, lone surrogates (which UTF-8 cannot encode) as escapes."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _echo(value: Any) -> Any:
    """The bad input a validation error names: a scalar as it is (long text cut), a list
    or object as a short repr, however deeply nested (echoing it whole recursed forever)."""
    if isinstance(value, str):
        return value if len(value) <= _ECHO_CHARS else value[:_ECHO_CHARS] + "..."
    if value is None or isinstance(value, bool | int | float):
        return value
    return _ECHO.repr(value)


def _readable(error: dict[str, Any]) -> str:
    """One validation error as a person reads it: "page: Input should be ..."."""
    where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
    return f"{where}: {error.get('msg', 'invalid')}"


async def validation_error(request: Request, exc: Exception) -> Response:
    """422 for a request that fails validation, as FastAPI's own handler answers, except
    that every error is JSON-safe: FastAPI's echoed an input of NaN, Infinity or a lone
    surrogate as is, and rendering that 422 failed as a 500. On the app's pages, a page
    naming each parameter refused and why."""
    assert isinstance(exc, RequestValidationError)
    if request.url.path.startswith(APP_PAGES):
        return error_page(request, 422, "; ".join(_readable(e) for e in exc.errors()))
    errors = [{**e, "input": _echo(e["input"])} if "input" in e else e for e in exc.errors()]
    return JSONResponse({"detail": _json_safe(jsonable_encoder(errors))}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(CorpusmapError, corpusmap_error)
    app.add_exception_handler(MilvusException, milvus_error)

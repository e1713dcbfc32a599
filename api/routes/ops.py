"""Readiness and Prometheus metrics (liveness, `/health`, is with the collections)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.metrics import Metrics

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])
_JSON = {"application/json": {"schema": {"type": "object"}}}


@router.get(
    "/ready",
    responses={503: {"description": "Starting, stopping, or no store", "content": _JSON}},
)
def ready(request: Request) -> JSONResponse:
    """200 once the lifespan has opened the published builds and loaded the models, and
    the store answers; 503 before, while shutting down, or while the store is down.

    A collection whose published build cannot be opened is listed under `unserved`
    but does not make the process unready: every worker reads the same builds, so
    failing readiness for it would take the whole API down for one collection.
    """
    services = getattr(request.app.state, "services", None)
    if services is None or not getattr(request.app.state, "ready", False):
        return JSONResponse({"status": "starting"}, status_code=503)
    served = services.stores.served_builds()
    try:
        for name in list(served)[:1]:  # one store call proves the store answers
            with services.stores.lease(name) as store:
                store.list_collections()
    except Exception:  # whatever the store raises, this process cannot serve now
        log.warning("not ready: the store did not answer", exc_info=True)
        return JSONResponse({"status": "store unavailable"}, status_code=503)
    unserved = sorted(set(services.stores.collections()) - set(served))
    body = {
        "status": "ready",
        "collections": len(served),
        "unserved": unserved,
        "models_loaded": services.embedders.loaded(),
    }
    return JSONResponse(body)


@router.get("/metrics", response_class=Response, include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text exposition of this app's metrics."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.render(), media_type=CONTENT_TYPE_LATEST)

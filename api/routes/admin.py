"""Admin endpoints: mounted only with CORPUSMAP_ADMIN_ENDPOINTS=true, all behind the API key."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request

from api.deps import ServicesDep
from api.errors import CONFLICT, NOT_FOUND, UNAUTHORIZED
from api.security import AdminDep, require_admin
from corpusmap.builds.publishing import rollback
from corpusmap.config import masked_settings

log = logging.getLogger(__name__)

# The router-wide dependency guards every route added here, even one that forgets
# to take `AdminDep`; FastAPI runs it once per request either way.
router = APIRouter(
    prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=UNAUTHORIZED
)


@router.get("/settings")
def effective_settings(request: Request, admin: AdminDep) -> dict[str, Any]:
    """The settings this process runs with; secrets are masked."""
    # Admin reads and writes are audited: the line carries the request id.
    log.info("admin: settings read (key via %s)", admin.via)
    return masked_settings(request.app.state.settings)


@router.post("/reload")
def reload_builds(services: ServicesDep, admin: AdminDep) -> dict[str, Any]:
    """Serve newly published builds now, instead of at the next poll."""
    changed = services.stores.refresh()
    log.info("admin: reload (key via %s): %s", admin.via, changed or "nothing changed")
    return {"changed": changed, "serving": services.stores.served_builds()}


@router.post("/collections/{name}/rollback", responses=NOT_FOUND | CONFLICT)
def rollback_collection(name: str, services: ServicesDep, admin: AdminDep) -> dict[str, Any]:
    """Publish the collection's build before the published one, and serve it."""
    registry = services.stores.registry
    replaced = registry.current(name).build_id
    previous = rollback(services.settings, registry, name)
    services.stores.refresh([name])
    log.info(
        "admin: %s rolled back %s -> %s (key via %s)", name, replaced, previous.build_id, admin.via
    )
    return {"collection": name, "published": previous.build_id, "replaced": replaced}

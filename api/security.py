"""API keys: read endpoints are open, admin endpoints need the key from settings.

Routes that change or reveal what is served take `AdminDep`; the admin router
also requires it for every route it holds, so a route added there without the
parameter is still protected.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, HTTPException, Request

from corpusmap.config import Settings
from corpusmap.errors import ConfigError

#: Shortest key accepted: anything shorter can be guessed or is a placeholder.
MIN_API_KEY_CHARS = 16

API_KEY_HEADER = "X-API-Key"


@dataclass(frozen=True)
class Admin:
    """A request that presented the right API key, and how it did."""

    via: Literal["x-api-key", "bearer"]


def configured_key(settings: Settings) -> str:
    """The API key as requests can present it: headers lose surrounding whitespace,
    so the key is compared (and its length checked) without it too."""
    return settings.api_key.get_secret_value().strip()


def check_admin_config(settings: Settings) -> None:
    """Refuse admin endpoints without a usable key (raised before the app is built)."""
    if not settings.admin_endpoints:
        return
    key = configured_key(settings)
    if not key:
        raise ConfigError(
            "CORPUSMAP_ADMIN_ENDPOINTS=true needs an API key: set CORPUSMAP_API_KEY "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if len(key) < MIN_API_KEY_CHARS:
        raise ConfigError(
            f"CORPUSMAP_API_KEY must have at least {MIN_API_KEY_CHARS} characters "
            "(surrounding whitespace not counted)"
        )


def _presented_key(request: Request) -> tuple[str, Literal["x-api-key", "bearer"]] | None:
    """The key a request carries, from X-API-Key or an Authorization Bearer header."""
    header = request.headers.get(API_KEY_HEADER)
    if header:
        return header.strip(), "x-api-key"
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip(), "bearer"
    return None


def require_admin(request: Request) -> Admin:
    """401 without a key, 403 with a wrong one; the compare takes constant time."""
    settings: Settings = request.app.state.settings
    expected = configured_key(settings)
    presented = _presented_key(request)
    if presented is None:
        raise HTTPException(
            status_code=401,
            detail=f"an API key is required: send it as {API_KEY_HEADER} or Authorization: Bearer",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key, via = presented
    # Fail closed if the app was somehow built without a key: nothing matches "".
    if not expected or not secrets.compare_digest(key.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="the API key is not valid")
    return Admin(via=via)


AdminDep = Annotated[Admin, Depends(require_admin)]

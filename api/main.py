"""The FastAPI application: `create_app()` builds it; the lifespan opens store and models."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import corpusmap
from api.deps import Services
from api.errors import install_error_handlers
from api.routes import collections, topics
from corpusmap.config import Settings, get_settings
from corpusmap.embedding import EmbedderPool
from corpusmap.store import MilvusStore

log = logging.getLogger(__name__)


def build_services(settings: Settings) -> Services:
    """Open the store and load the default model, so the first query is not slow."""
    store = MilvusStore(
        settings.resolved_milvus_uri(),
        settings.milvus_token.get_secret_value(),
        insert_batch_size=settings.insert_batch_size,
    )
    embedders = EmbedderPool(device=settings.device, batch_size=settings.batch_size)
    for model in {store.meta(n).model for n in store.list_collections()} or {settings.model}:
        embedders.get(model)
    log.info("serving %s with models %s", store.uri, embedders.loaded())
    return Services(settings=settings, store=store, embedders=embedders)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API app; settings default to the process-wide `get_settings()`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings or get_settings())
        app.state.services = services
        try:
            yield
        finally:
            services.store.close()

    app = FastAPI(
        title="corpusmap",
        version=corpusmap.__version__,
        description="Semantic search and topic clusters over document collections in Milvus.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(collections.router)
    app.include_router(topics.router)
    return app

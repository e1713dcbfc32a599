"""The FastAPI application: `create_app()` builds it; the lifespan opens store and models."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from typing import Any

from fastapi import FastAPI

import corpusmap
from api import ui
from api.deps import Services
from api.docs_pages import install_docs
from api.errors import install_error_handlers
from api.metrics import Metrics
from api.middleware import install_middleware
from api.observability import configure_logging
from api.request_models import describe_metadata_filters
from api.routes import admin, collections, ops, reports, topics
from api.security import check_admin_config
from corpusmap.builds.announce import SERVING_URL_ENV, announced
from corpusmap.builds.serving import PublishedStores
from corpusmap.config import Settings, get_settings
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.reports import charts

log = logging.getLogger(__name__)


def build_services(settings: Settings) -> Services:
    """Open every published build and load their models, so the first query is not slow."""
    stores = PublishedStores(settings)
    stores.refresh()
    embedders = EmbedderPool.from_settings(settings)
    models = set()
    for name in stores.collections():
        with stores.lease(name) as store:
            models.add(store.meta(name).model)
    for model in models or {settings.model}:
        embedders.get(model).embed_query("warm up")  # exports or opens the query runtime
    charts.warm_up()  # the first report open: its data comes from the build, charts from here
    log.info("serving builds %s with models %s", stores.served_builds(), embedders.loaded())
    return Services(settings=settings, stores=stores, embedders=embedders)


def _follow_publishes(stores: PublishedStores, interval: float, stop: threading.Event) -> None:
    """Poll for newly published builds until `stop` is set (a publish costs one stat)."""
    while not stop.wait(interval):
        try:
            stores.refresh()
        except Exception:  # keep following: the next poll may succeed
            log.exception("refreshing published builds failed")


def _announced(settings: Settings) -> AbstractContextManager[object]:
    """This process named as the server of the data dir while it serves, when started by
    `corpusmap serve` on Lite files (`corpusmap.builds.announce`)."""
    url = os.environ.get(SERVING_URL_ENV)
    if not url or not settings.uses_lite():
        return nullcontext()
    return announced(settings.data_dir, url)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API app; settings default to the process-wide `get_settings()`.

    Raises `ConfigError` (the server does not start) for admin endpoints without a key.
    """
    settings = settings or get_settings()
    check_admin_config(settings)
    configure_logging(settings.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings)
        app.state.services = services
        stop = threading.Event()
        follower = threading.Thread(
            target=_follow_publishes,
            args=(services.stores, settings.reload_interval_s, stop),
            name="follow-publishes",
            daemon=True,
        )
        if settings.reload_interval_s > 0:
            follower.start()
        app.state.ready = True
        try:
            with _announced(settings):
                yield
        finally:
            # Fail readiness first, so a balancer stops sending before the store closes.
            app.state.ready = False
            stop.set()
            if follower.is_alive():
                follower.join()
            services.stores.close()

    app = FastAPI(
        title="corpusmap",
        version=corpusmap.__version__,
        description="Semantic search and topic clusters over document collections in Milvus.",
        lifespan=lifespan,
        docs_url=None,  # served offline by install_docs
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.ready = False
    app.state.metrics = Metrics(app.state)
    install_middleware(app, settings, app.state.metrics)
    install_error_handlers(app)
    app.include_router(collections.router)
    app.include_router(topics.router)
    app.include_router(reports.router)
    app.include_router(ops.router)
    app.include_router(ui.router)
    if settings.admin_endpoints:
        app.include_router(admin.router)
    app.mount(reports.STATIC_URL, reports.static_app(), name="static")
    install_docs(app)
    _describe_settings(app, settings)
    return app


def _describe_settings(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI schema, with what these settings allow (the metadata filter fields)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            describe_metadata_filters(generate(), settings.metadata_filter_fields)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]

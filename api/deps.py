"""Typed dependencies: what the lifespan built, handed to routes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from corpusmap.builds.serving import PublishedStores
from corpusmap.config import Settings
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.store.milvus import MilvusStore


@dataclass
class Services:
    """Long-lived objects of one API process, built in the lifespan."""

    settings: Settings
    stores: PublishedStores
    embedders: EmbedderPool


def get_services(request: Request) -> Services:
    """The services the lifespan put on the app."""
    services: Services = request.app.state.services
    return services


def get_store(name: str, request: Request) -> Iterator[MilvusStore]:
    """The store of the published build of collection `name` (the path parameter),
    held for the request: a publish meanwhile switches later requests, not this one."""
    with get_services(request).stores.lease(name) as store:
        yield store


def get_stores(request: Request) -> PublishedStores:
    """Every collection's published build."""
    return get_services(request).stores


def get_embedders(request: Request) -> EmbedderPool:
    """The embedding models, one per model name."""
    return get_services(request).embedders


StoreDep = Annotated[MilvusStore, Depends(get_store)]
StoresDep = Annotated[PublishedStores, Depends(get_stores)]
EmbeddersDep = Annotated[EmbedderPool, Depends(get_embedders)]
ServicesDep = Annotated[Services, Depends(get_services)]

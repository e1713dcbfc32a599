"""Typed dependencies: what the lifespan built, handed to routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from corpusmap.config import Settings
from corpusmap.embedding import EmbedderPool
from corpusmap.store import MilvusStore


@dataclass
class Services:
    """Long-lived objects of one API process, built in the lifespan."""

    settings: Settings
    store: MilvusStore
    embedders: EmbedderPool


def get_services(request: Request) -> Services:
    """The services the lifespan put on the app."""
    services: Services = request.app.state.services
    return services


def get_store(request: Request) -> MilvusStore:
    """The Milvus store."""
    return get_services(request).store


def get_embedders(request: Request) -> EmbedderPool:
    """The embedding models, one per model name."""
    return get_services(request).embedders


StoreDep = Annotated[MilvusStore, Depends(get_store)]
EmbeddersDep = Annotated[EmbedderPool, Depends(get_embedders)]
ServicesDep = Annotated[Services, Depends(get_services)]

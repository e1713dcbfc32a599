"""Health, collections, search and documents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

import api.convertors  # noqa: F401  (registers {doc_id:docid})
from api.deps import EmbeddersDep, ServicesDep, StoreDep, StoresDep
from api.errors import BAD_BODY, NOT_FOUND
from api.exports import export_lines
from api.schemas import (
    CollectionInfo,
    Document,
    ExportParams,
    FilterParams,
    Hit,
    PriorArt,
    SearchRequest,
    SearchResponse,
)
from corpusmap.config import SCORE_KINDS
from corpusmap.documents import int_to_date
from corpusmap.errors import DocumentNotFoundError
from corpusmap.search.engine import (
    document_topics,
    search_collection,
    similar_documents,
    topic_facets,
    topic_labels,
)
from corpusmap.search.facets import SearchPage, search_page
from corpusmap.search.fusion import Fusion
from corpusmap.search.related import filter_notes, prior_art
from corpusmap.store.catalog import summarize_collection
from corpusmap.store.filters import check_metadata_field

router = APIRouter()


@router.get("/health", tags=["health"])
def health(services: ServicesDep) -> dict[str, object]:
    """Liveness and what this process serves."""
    return {
        "status": "ok",
        "milvus_uri": services.settings.milvus_uri or "milvus-lite",
        "builds": services.stores.served_builds(),
        "models_loaded": services.embedders.loaded(),
    }


@router.get("/collections", tags=["collections"])
def list_collections(stores: StoresDep) -> list[CollectionInfo]:
    """Every collection with its document count, model and topic count."""
    infos = []
    for name in stores.collections():
        with stores.lease(name) as store:
            infos.append(summarize_collection(store, name))
    return infos


@router.get("/collections/{name}", tags=["collections"], responses=NOT_FOUND)
def get_collection(name: str, store: StoreDep) -> CollectionInfo:
    """One collection."""
    return summarize_collection(store, name)


@router.post("/collections/{name}/search", tags=["search"], responses=NOT_FOUND | BAD_BODY)
def search(
    name: str,
    request: SearchRequest,
    services: ServicesDep,
    store: StoreDep,
    embedders: EmbeddersDep,
) -> SearchResponse:
    """Search by free text (dense, keyword or hybrid); filters narrow the search itself.

    Page with `offset`; `facets: true` adds counts over the best candidates."""
    for field_name in request.metadata:
        check_metadata_field(field_name, services.settings.metadata_filter_fields)
    run = search_page if request.facets else search_collection
    found = run(
        store,
        embedders,
        name,
        request.query,
        top_k=request.top_k,
        offset=request.offset,
        mode=request.mode,
        filters=request.filters(),
        fusion=Fusion.from_settings(services.settings),
    )
    hits, facets = (found.hits, found.facets) if isinstance(found, SearchPage) else (found, None)
    return SearchResponse(
        collection=name,
        query=request.query,
        mode=request.mode,
        score_kind=SCORE_KINDS[request.mode],
        offset=request.offset,
        hits=hits,
        topics=topic_facets(hits),
        facets=facets,
        notes=filter_notes(store, name, request.filters()),
    )


@router.get(
    "/collections/{name}/export",
    tags=["search"],
    response_class=Response,
    responses=NOT_FOUND
    | {
        200: {
            "description": "The hits as CSV (a header row, then a row per hit) or JSON Lines.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
def export(
    name: str,
    params: Annotated[ExportParams, Query()],
    services: ServicesDep,
    store: StoreDep,
    embedders: EmbeddersDep,
) -> StreamingResponse:
    """Download the hits of a search (up to 1,000, every filter applied) as CSV or JSON
    Lines, best first; near-duplicates are kept (every id)."""
    hits = search_collection(
        store,
        embedders,
        name,
        params.q,
        top_k=params.top_k,
        filters=params.filters(),
        mode=params.mode,
        fusion=Fusion.from_settings(services.settings),
    )
    media = "text/csv" if params.format == "csv" else "application/x-ndjson"
    filename = f"{name}-search.{params.format}"
    return StreamingResponse(
        export_lines(hits, params.format),
        media_type=f"{media}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/collections/{name}/documents/{doc_id:docid}/similar", tags=["search"], responses=NOT_FOUND
)
def similar(
    name: str,
    doc_id: str,
    store: StoreDep,
    params: Annotated[FilterParams, Query()],
) -> list[Hit]:
    """More-like-this: the nearest documents to a stored one (itself excluded), filtered."""
    hits = similar_documents(
        store,
        name,
        doc_id,
        top_k=params.top_k,
        filters=params.filters(),
    )
    return hits


@router.get(
    "/collections/{name}/documents/{doc_id:docid}/prior-art", tags=["search"], responses=NOT_FOUND
)
def prior_art_of(
    name: str,
    doc_id: str,
    store: StoreDep,
    params: Annotated[FilterParams, Query()],
) -> PriorArt:
    """Prior art: the documents most like a stored one among those dated before it."""
    return prior_art(store, name, doc_id, top_k=params.top_k, filters=params.filters())


@router.get("/collections/{name}/documents/{doc_id:docid}", tags=["documents"], responses=NOT_FOUND)
def get_document(name: str, doc_id: str, store: StoreDep) -> Document:
    """A stored document with its full text, metadata and topic."""
    rows = store.get_documents(name, [doc_id])
    if not rows:
        raise DocumentNotFoundError(f"collection {name!r} has no document {doc_id[:80]!r}")
    row = rows[0]
    day = int_to_date(int(row["date"]))
    labels = topic_labels(store, name)
    return Document(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        date=day.isoformat() if day else None,
        cpc=list(row["cpc"]),
        labels=list(row["labels"]),
        topic=int(row["topic"]),
        topic_label=labels.get(int(row["topic"])),
        topics=document_topics(row, labels),
        metadata=dict(row["metadata"] or {}),
    )

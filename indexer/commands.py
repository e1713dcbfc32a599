"""What each CLI command does, apart from parsing its arguments."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from corpusmap.catalog import summarize_collection
from corpusmap.config import Settings
from corpusmap.embedding import Embedder, EmbedderPool
from corpusmap.errors import ConfigError, CorpusError, InvalidQueryError
from corpusmap.filters import SearchFilters
from corpusmap.reports import build_topic_report
from corpusmap.search import DEFAULT_MODE, SearchHit, search_collection, similar_documents
from corpusmap.store import MilvusStore, is_lite_uri
from corpusmap.topic_store import OUTLIER_TOPIC
from indexer.evaluate import evaluate
from indexer.pipeline import fit_and_store_topics, load_documents
from indexer.sources import ReadReport, mapping_from_options, read_corpus

log = logging.getLogger(__name__)


@dataclass
class IndexOptions:
    """The corpus and field mapping of an index run."""

    sources: list[str]
    preset: str | None = None
    collection: str | None = None
    id_field: str | None = None
    text_fields: list[str] | None = None
    title_field: str | None = None
    date_field: str | None = None
    label_fields: list[str] | None = None
    metadata_fields: list[str] | None = None
    encoding: str | None = None
    split: str = "train"
    limit: int | None = None
    fit_topics: bool = True


def open_store(settings: Settings) -> MilvusStore:
    """The Milvus store the settings point at."""
    return MilvusStore(
        settings.resolved_milvus_uri(),
        settings.milvus_token.get_secret_value(),
        insert_batch_size=settings.insert_batch_size,
    )


def default_collection_name(source: str, model: str) -> str:
    """A collection name from a corpus source and a model: `<stem>_<model>`."""
    stem = Path(source.rstrip("/")).stem or "corpus"
    raw = f"{stem}_{Path(model).name}"
    name = re.sub(r"[^A-Za-z0-9_]+", "_", raw).strip("_")
    return name if re.match(r"^[A-Za-z_]", name) else f"c_{name}"


def run_index(settings: Settings, options: IndexOptions) -> dict[str, Any]:
    """Read, embed and load a corpus, then fit topics; a JSON-able summary."""
    mapping = mapping_from_options(
        options.preset,
        options.id_field,
        options.text_fields,
        options.title_field,
        options.date_field,
        options.label_fields,
        options.metadata_fields,
        options.encoding,
    )
    collection = options.collection or default_collection_name(options.sources[0], settings.model)
    embedder = Embedder(settings.model, device=settings.device, batch_size=settings.batch_size)
    report = ReadReport()
    docs = read_corpus(options.sources, mapping, report, split=options.split, limit=options.limit)
    with open_store(settings) as store:
        loaded = load_documents(
            docs,
            store=store,
            embedder=embedder,
            collection=collection,
            max_text_chars=settings.max_text_chars,
            passages=settings.passages,
        )
        log.info("read report:\n%s", report.summary())
        if loaded.documents == 0:
            store.drop_collection(collection)
            raise CorpusError(f"no valid documents in {options.sources}:\n{report.summary()}")
        log.info("loaded %d documents at %.1f docs/s", loaded.documents, loaded.docs_per_s)
        summary: dict[str, Any] = {
            "collection": collection,
            "model": settings.model,
            "documents": loaded.documents,
            "embed_load_seconds": round(loaded.seconds, 1),
            "docs_per_s": round(loaded.docs_per_s, 1),
            "read_report": report.to_dict(),
        }
        if options.fit_topics:
            try:
                summary["topics"] = _fit(store, settings, collection, embedder)
            except ConfigError as exc:  # e.g. too few documents: the index itself is fine
                log.warning("topics skipped: %s", exc)
                summary["topics"] = {"skipped": str(exc)}
    return summary


def run_topics(settings: Settings, collection: str) -> dict[str, Any]:
    """Refit the topics of a stored collection."""
    with open_store(settings) as store:
        store.meta(collection)
        return {"collection": collection, "topics": _fit(store, settings, collection)}


def _fit(
    store: MilvusStore, settings: Settings, collection: str, embedder: Embedder | None = None
) -> dict[str, Any]:
    fit = fit_and_store_topics(
        store,
        collection,
        topics_dir=settings.topics_dir(collection),
        seed=settings.seed,
        min_topic_size=settings.min_topic_size,
        max_outlier_share=settings.max_outlier_share,
        embedder=embedder,
    )
    report = settings.report_path(collection)
    report.parent.mkdir(parents=True, exist_ok=True)
    url = settings.public_url.rstrip("/") + f"/collections/{collection}/documents/{{id}}"
    report.write_text(build_topic_report(store, collection, document_url=url), encoding="utf-8")
    log.info("topic report written to %s", report)
    return {
        "report": str(report),
        "topics": sum(1 for s in fit.summaries if s.topic_id != OUTLIER_TOPIC),
        "outlier_share_before": round(fit.outlier_share_before, 4),
        "outlier_share": round(fit.outlier_share, 4),
        "max_outlier_share": fit.params.max_outlier_share,
        "seed": fit.params.seed,
        "min_topic_size": fit.params.min_topic_size,
    }


def parse_date(value: str | None, name: str) -> dt.date | None:
    """A YYYY-MM-DD option value as a date, or a clear error."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidQueryError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def run_search(
    settings: Settings,
    collection: str,
    query: str | None,
    *,
    like: str | None = None,
    mode: str = DEFAULT_MODE,
    top_k: int,
    topic: int | None,
    date_from: str | None,
    date_to: str | None,
    cpc: list[str],
    labels: list[str] | None = None,
) -> list[SearchHit]:
    """Search by text, or by a stored document's vector with `like`, the filters applied."""
    if (query is None) == (like is None):
        raise ConfigError("give either a query or --like DOCUMENT_ID")
    filters = SearchFilters(
        topic=topic,
        date_from=parse_date(date_from, "--date-from"),
        date_to=parse_date(date_to, "--date-to"),
        cpc=tuple(cpc),
        labels=tuple(labels or ()),
    )
    pool = EmbedderPool(device=settings.device, batch_size=settings.batch_size)
    with open_store(settings) as store:
        if like is not None:
            return similar_documents(store, collection, like, top_k=top_k, filters=filters)
        assert query is not None
        return search_collection(
            store,
            pool,
            collection,
            query,
            top_k=top_k,
            filters=filters,
            mode=mode,
            fusion=settings.fusion(),
        )


def run_info(settings: Settings, collection: str | None) -> dict[str, Any]:
    """Where the store is and what each collection holds."""
    with open_store(settings) as store:
        names = [collection] if collection else store.list_collections()
        return {
            "milvus_uri": settings.resolved_milvus_uri(),
            "data_dir": str(settings.data_dir),
            "collections": [asdict(summarize_collection(store, n)) for n in names],
        }


def run_serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Run the API under uvicorn (referenced by name: the indexer never imports the api)."""
    import os

    import uvicorn

    if workers > 1 and is_lite_uri(settings.resolved_milvus_uri()):
        raise ConfigError(
            "a Milvus Lite file can be opened by one process only: use --workers 1, or set "
            "CORPUSMAP_MILVUS_URI to a Milvus server (see docker-compose.yml)"
        )
    # The flags reach the app's own get_settings() through the environment.
    os.environ["CORPUSMAP_DATA_DIR"] = str(settings.data_dir)
    if settings.milvus_uri:
        os.environ["CORPUSMAP_MILVUS_URI"] = settings.milvus_uri
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers)


def run_eval(
    settings: Settings,
    folder: Path,
    *,
    collection: str | None,
    modes: list[str],
    reindex: bool = False,
    split: str = "test",
) -> dict[str, Any]:
    """Index a BEIR folder if needed, then measure each search mode and exact search."""
    name = collection or default_collection_name(f"beir_{folder.name}", settings.model)
    with open_store(settings) as store:
        exists = name in store.list_collections()
    if reindex or not exists:
        options = IndexOptions(
            sources=[str(folder / "corpus.jsonl")],
            preset="beir",
            collection=name,
            fit_topics=False,
        )
        run_index(settings, options)
    pool = EmbedderPool(device=settings.device, batch_size=settings.batch_size)
    with open_store(settings) as store:
        results = evaluate(
            store, pool, name, folder, modes=modes, split=split, fusion=settings.fusion()
        )
    return {"dataset": folder.name, "collection": name, "model": settings.model, **results}

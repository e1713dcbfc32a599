"""Reading a collection while the API serves it.

The API keeps the Milvus Lite file of every published build open, and a Lite file
is open in one process at a time (`corpusmap.store.lite_files`). So when `info` or
`search` find a file held, they ask the API that holds it: `corpusmap serve` names
itself in `<data_dir>/serving.json` (`corpusmap.builds.announce`). `info` without
an API that answers reads the build's own record and partition instead.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from corpusmap.builds.announce import find_server
from corpusmap.builds.registry import BuildRegistry
from corpusmap.builds.snapshots import TOPICS_FILE, load_partition
from corpusmap.config import Settings
from corpusmap.errors import (
    CollectionNotFoundError,
    CorpusmapError,
    DocumentNotFoundError,
    InvalidQueryError,
    StoreError,
    StoreLockedError,
)
from corpusmap.search.engine import DocumentTopic, SearchHit
from corpusmap.store.filters import SearchFilters
from corpusmap.store.topic_store import OUTLIER_TOPIC

#: Seconds an answer may take (a first search loads nothing: the API has its models).
TIMEOUT_S = 60.0


def serving_api(settings: Settings, locked: StoreLockedError) -> str:
    """The URL of the API that holds a locked file, or `locked` again, saying what to do."""
    record = find_server(settings.data_dir)
    if record is None or (locked.pid is not None and record.pid != locked.pid):
        raise StoreLockedError(locked.path, locked.pid) from None
    return record.url


def call(url: str, body: dict[str, Any] | None = None) -> Any:
    """GET `url` (POST `body` as JSON, if given) and the JSON answer; HTTP errors as
    corpusmap's, an API that does not answer as `StoreError`."""
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise _as_error(exc) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise StoreError(f"the API at {url} holds the build but does not answer: {exc}") from None


def _as_error(exc: urllib.error.HTTPError) -> CorpusmapError:
    try:
        detail = json.loads(exc.read()).get("detail", exc.reason)
    except (ValueError, AttributeError):
        detail = exc.reason
    if isinstance(detail, list):  # a 422: one message per problem
        detail = "; ".join(str(d.get("msg", d)) for d in detail)
    kinds: dict[int, type[CorpusmapError]] = {404: CollectionNotFoundError, 422: InvalidQueryError}
    if exc.code == 404 and "document" in str(detail):
        return DocumentNotFoundError(str(detail))
    return kinds.get(exc.code, StoreError)(f"{detail} (HTTP {exc.code} from the API)")


def _quoted(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def served_summary(settings: Settings, name: str, locked: StoreLockedError) -> dict[str, Any]:
    """A collection's summary from the API that holds it, else from its build's files."""
    try:
        url = serving_api(settings, locked)
        return {**call(f"{url}/collections/{_quoted(name)}"), "source": f"the API at {url}"}
    except (StoreLockedError, StoreError):
        return snapshot_summary(settings, name)


def snapshot_summary(settings: Settings, name: str) -> dict[str, Any]:
    """A collection's summary from its published build's record and topic partition."""
    registry = BuildRegistry(settings.data_dir)
    info = registry.current(name)
    partition = load_partition(registry.build_dir(name, info.build_id) / TOPICS_FILE)
    summaries = partition.summaries if partition is not None else []
    return {
        "name": name,
        "documents": info.documents,
        "model": info.summary.get("model"),
        "dimension": int(partition.vectors.shape[1]) if partition is not None else None,
        "topics": sum(1 for s in summaries if s.topic_id != OUTLIER_TOPIC) if summaries else None,
        "outliers": sum(s.size for s in summaries if s.topic_id == OUTLIER_TOPIC)
        if summaries
        else None,
        "source": f"the build's own files ({registry.build_dir(name, info.build_id)})",
    }


@dataclass(frozen=True)
class SearchParams:
    """A search by `query`, or for documents like `like`, with its filters."""

    query: str | None
    like: str | None
    mode: str
    top_k: int
    filters: SearchFilters

    def fields(self) -> dict[str, Any]:
        """The request's fields as the API names them (unset ones left out)."""
        f = self.filters
        given: dict[str, Any] = {
            "top_k": self.top_k,
            "topic": f.topic,
            "date_from": f.date_from.isoformat() if f.date_from else None,
            "date_to": f.date_to.isoformat() if f.date_to else None,
            "cpc": list(f.cpc),
            "labels": list(f.labels),
        }
        if self.like is None:
            given |= {"query": self.query, "mode": self.mode}
        return {k: v for k, v in given.items() if v not in (None, [])}


def served_search(
    settings: Settings, collection: str, locked: StoreLockedError, search: SearchParams
) -> list[SearchHit]:
    """A search (or more-like-this) answered by the API that holds the collection."""
    url = f"{serving_api(settings, locked)}/collections/{_quoted(collection)}"
    if search.like is not None:
        query_string = urllib.parse.urlencode(search.fields(), doseq=True)
        hits = call(f"{url}/documents/{_quoted(search.like)}/similar?{query_string}")
    else:
        hits = call(f"{url}/search", search.fields())["hits"]
    return [
        SearchHit(**{**hit, "topics": [DocumentTopic(**t) for t in hit.get("topics", [])]})
        for hit in hits
    ]

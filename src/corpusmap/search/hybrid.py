"""Searches by mode: dense and keyword from the store, hybrid fused here per document."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from corpusmap.config import SearchMode
from corpusmap.config.defaults import FUSION_DEPTH
from corpusmap.documents import Hit
from corpusmap.search.fusion import Fusion
from corpusmap.store.filters import Filter
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.passages import RANKING_FIELDS
from corpusmap.store.schema import DOCUMENT_FIELDS

#: Fewest candidates each half of a hybrid search fetches before fusing.
MIN_HYBRID_CANDIDATES = FUSION_DEPTH


def ranked_search(
    store: MilvusStore,
    collection: str,
    *,
    vector: npt.NDArray[np.float32] | None,
    text: str | None,
    mode: str,
    top_k: int,
    expression: Filter | str = "",
    fusion: Fusion | None = None,
    fields: Sequence[str] = DOCUMENT_FIELDS,
) -> list[Hit]:
    """The `top_k` best documents of a search in `mode`, filters inside the search.

    Hybrid runs both searches and fuses them per document: Milvus fuses per passage
    row, which splits a document's score (and repeats it) when its best dense and BM25
    passages differ. The candidates carry only what ranks them; the fused top_k get
    their rows. Each hit holds its best passage's `fields`.
    """
    if mode != SearchMode.HYBRID:
        return store.search(
            collection,
            vector=vector,
            text=text,
            mode=mode,
            top_k=top_k,
            expression=expression,
            fields=fields,
        )
    candidates = max(2 * top_k, MIN_HYBRID_CANDIDATES)
    dense, keyword = (
        store.search(
            collection,
            vector=vector,
            text=text,
            mode=half,
            top_k=candidates,
            expression=expression,
            fields=RANKING_FIELDS,
        )
        for half in (SearchMode.DENSE, SearchMode.KEYWORD)
    )
    # Adaptive fusion counts the terms BM25 searched: compounds' other spellings too.
    searched = store.keyword_query(collection, text)
    fused = (fusion or Fusion()).fuse(dense, keyword, top_k, query=searched)
    return store.passage_hits(collection, fused, fields)

"""Long documents split into passages that fit the embedding model's token window.

MiniLM reads 256 tokens and drops the rest; 22% of the shared patent claims are
longer. A text longer than the window is cut into consecutive passages of at
most `max_tokens` tokens (by the model's own tokenizer), preferring to cut after
a sentence or clause end ('.', ';', ':') in the last third of a window. The
passages are exact slices of the text: joined, they give it back. Short texts
stay one passage.

Searches find passages and return documents: `search_documents` rolls passage
hits up to their documents, each scored and shown by its best passage, and
`passage_rows` fetches the stored rows of chosen passages by key.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from corpusmap.store.filters import Filter, field_in
from corpusmap.store.schema import row_key

_BREAKS = frozenset(".;:")
#: A passage search asks for this many times top_k rows, so that documents with
#: several matching passages still leave top_k distinct documents.
OVERFETCH = 3
#: Enough of a passage hit to rank its document and fetch its row later.
RANKING_FIELDS = ["doc_id", "passage"]


def best_per_document(
    hits: Iterable[dict[str, Any]], top_k: int, *, score: str = "distance"
) -> list[dict[str, Any]]:
    """The best-scored hit of each document (`entity.doc_id`), best first, at most top_k.

    Exact for the documents it returns: a document whose best passage is not among
    `hits` scores no higher than every hit that is.
    """
    best: dict[str, dict[str, Any]] = {}
    for hit in sorted(hits, key=lambda h: -float(h[score])):
        best.setdefault(str(hit["entity"]["doc_id"]), hit)
        if len(best) == top_k:
            break
    return list(best.values())


def candidates_for(request: dict[str, Any], limit: int) -> dict[str, Any]:
    """`request` with an HNSW `ef` of at least `limit` (Milvus refuses a smaller one)."""
    params = request["search_params"].get("params") or {}
    if "ef" not in params or params["ef"] >= limit:
        return request
    search_params = {**request["search_params"], "params": {**params, "ef": limit}}
    return {**request, "search_params": search_params}


def search_documents(
    client: Any, name: str, request: dict[str, Any], top_k: int, *, one_row_each: bool
) -> list[dict[str, Any]]:
    """The best passage hit of each of the `top_k` best documents, best first (exact).

    Milvus' `group_by_field` does this but costs ~10 ms more than an ungrouped search
    at 100k rows. So: a plain search when each document is one row; else OVERFETCH x
    top_k passages rolled up here, and a grouped search only when those hold fewer
    than top_k documents while more rows match. `request`: the other search arguments.
    """
    limit = top_k if one_row_each else top_k * OVERFETCH
    request = candidates_for(request, limit)
    rows = client.search(name, limit=limit, **request)[0]
    best = best_per_document(rows, top_k)
    if len(best) < top_k and len(rows) == limit:
        best = list(client.search(name, limit=top_k, group_by_field="doc_id", **request)[0])
    return best


def passage_rows(
    query: Callable[[Filter, list[str]], list[dict[str, Any]]],
    passages: Sequence[tuple[str, int]],
    fields: list[str],
) -> list[dict[str, Any] | None]:
    """The stored rows of (document id, passage) pairs, aligned (None: no such row);
    `query(filter, output_fields)` runs a query on the collection.

    One query by row key: cheaper than every field of every candidate a search holds.
    """
    if not passages:
        return []
    keys = [row_key(doc_id, passage) for doc_id, passage in passages]
    rows = query(field_in("id", keys), [*fields, "id"])
    by_key = {row["id"]: row for row in rows}
    return [by_key.get(key) for key in keys]


class PassageSplitter:
    """Splits texts into passages of at most `max_tokens` tokens."""

    def __init__(self, tokenizer: Any, max_tokens: int, *, enabled: bool = True):
        if max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, got {max_tokens}")
        self._tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.enabled = enabled

    def split_many(self, texts: Sequence[str]) -> list[list[str]]:
        """The passages of each text (one passage per text when disabled)."""
        if not self.enabled or not texts:
            return [[t] for t in texts]
        encoded = self._tokenizer(
            list(texts),
            add_special_tokens=False,
            return_offsets_mapping=True,
            truncation=False,
            verbose=False,
        )
        return [
            self._split(text, offsets)
            for text, offsets in zip(texts, encoded["offset_mapping"], strict=True)
        ]

    def _split(self, text: str, offsets: Sequence[tuple[int, int]]) -> list[str]:
        if len(offsets) <= self.max_tokens:
            return [text]
        cuts = [0]
        start = 0
        while len(offsets) - start > self.max_tokens:
            end = self._break_before(text, offsets, start, start + self.max_tokens)
            cuts.append(offsets[end][0])
            start = end
        cuts.append(len(text))
        return [text[a:b] for a, b in itertools.pairwise(cuts) if b > a]

    def _break_before(
        self, text: str, offsets: Sequence[tuple[int, int]], start: int, limit: int
    ) -> int:
        """The token index to start the next passage at: after a clause end if one is near."""
        earliest = start + (2 * self.max_tokens) // 3
        for index in range(limit - 1, earliest - 1, -1):
            first, last = offsets[index]
            if last > first and text[last - 1] in _BREAKS:
                return index + 1
        return limit

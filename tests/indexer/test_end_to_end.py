"""The issue's promises on the 1,100 real PatentSBERTa claims, through the real pipeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import search_collection
from corpusmap.store.filters import SearchFilters
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicStore
from tests.conftest import CLAIM_FILES, ClaimsIndex


@pytest.fixture(scope="module")
def claims_frame(claims_index: ClaimsIndex) -> pd.DataFrame:
    """The same claims read by pandas, as the ground truth."""
    frames = [pd.read_csv(p, dtype={"id": str}) for p in CLAIM_FILES]
    return pd.concat(frames, ignore_index=True)


def test_counts_in_milvus_equal_valid_rows(claims_index: ClaimsIndex, claims_store: MilvusStore):
    report = claims_index.summary["read_report"]
    assert report["valid"] == 1100
    assert claims_index.summary["documents"] == 1100
    assert claims_store.count("claims") == report["valid"]


def test_a_claims_own_text_finds_that_patent_first(
    claims_store: MilvusStore, embedders: EmbedderPool, claims_frame: pd.DataFrame
):
    sample = claims_frame.sample(n=8, random_state=3)
    for row in sample.itertuples():
        for mode in ("dense", "keyword", "hybrid"):
            hits = search_collection(
                claims_store, embedders, "claims", str(row.text), top_k=3, mode=mode
            )
            assert hits[0].id == row.id, f"{mode}: {row.id} not first: {[h.id for h in hits]}"
        # Long claims are split into passages; the query embeds only its first 256 tokens,
        # which is close to (not identical with) the first passage.
        dense = search_collection(
            claims_store, embedders, "claims", str(row.text), top_k=1, mode="dense"
        )
        assert dense[0].score > 0.9


def test_date_filter_returns_only_patents_in_range(
    claims_store: MilvusStore, embedders: EmbedderPool, claims_frame: pd.DataFrame
):
    start, end = dt.date(2015, 1, 1), dt.date(2015, 6, 30)
    filters = SearchFilters(date_from=start, date_to=end)
    hits = search_collection(
        claims_store, embedders, "claims", "wireless communication", top_k=50, filters=filters
    )
    dates = pd.to_datetime(claims_frame["date"]).dt.date
    expected = int(((dates >= start) & (dates <= end)).sum())
    assert len(hits) == min(50, expected)  # filtered inside the search: a full page
    truth = dict(zip(claims_frame["id"], dates, strict=True))
    for hit in hits:
        assert hit.date is not None and start <= dt.date.fromisoformat(hit.date) <= end
        assert truth[hit.id] == dt.date.fromisoformat(hit.date)


def test_cpc_filter_returns_only_matching_patents(
    claims_store: MilvusStore, embedders: EmbedderPool, claims_frame: pd.DataFrame
):
    members = set(claims_frame.loc[claims_frame["A61K"] == 1, "id"])
    hits = search_collection(
        claims_store,
        embedders,
        "claims",
        "a vehicle engine",
        top_k=100,
        filters=SearchFilters(cpc=("A61K",)),
    )
    assert len(hits) == min(100, len(members))
    assert {h.id for h in hits} <= members
    section = search_collection(
        claims_store,
        embedders,
        "claims",
        "a vehicle engine",
        top_k=20,
        filters=SearchFilters(cpc=("H",)),
    )
    assert section and all(any(c.startswith("H") for c in h.cpc) for h in section)


def test_every_document_has_a_topic_that_topics_knows(
    claims_index: ClaimsIndex, claims_store: MilvusStore
):
    known = {t.topic_id: t.size for t in TopicStore(claims_store).list_topics("claims")}
    topic_of: dict[str, set[int]] = {}
    for batch in claims_store.iter_rows("claims", ["doc_id", "topic"]):
        for row in batch:
            topic_of.setdefault(row["doc_id"], set()).add(row["topic"])
    assert len(topic_of) == 1100
    assert all(len(t) == 1 for t in topic_of.values())  # every passage carries its doc's topic
    seen: dict[int, int] = {}
    for (topic,) in topic_of.values():
        seen[topic] = seen.get(topic, 0) + 1
    assert set(seen) <= set(known)
    assert seen == known  # sizes in the topic table match the stored assignments
    assert claims_index.summary["topics"]["topics"] >= 2


def test_topic_model_is_saved_with_safetensors_not_pickle(claims_index: ClaimsIndex):
    folder = Path(claims_index.summary["topics"]["report"]).parent / "topic_model"
    files = {p.name for p in (folder / "bertopic").iterdir()}
    assert "topics.json" in files and "ctfidf.safetensors" in files
    assert not [p for p in folder.rglob("*") if p.suffix in {".pkl", ".pickle", ".bin"}]
    assert (folder / "corpusmap_topics.json").exists()

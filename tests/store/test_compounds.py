"""Compound matching on the keyword side: a query's compounds meet the collection's other
spelling ("curveballs" / "curve ball"), learnt from the collection's own vocabulary.

The fast tests index a small real corpus, the shared baseball patent abstracts about
pitching machines or curves (both curve-ball patents among them); the slow one indexes
all 6,186 abstracts, where issue 15 saw the curve-ball patents missed.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from corpusmap.builds.publishing import open_published
from corpusmap.config import Settings
from corpusmap.documents import Document
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import search_collection
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import CollectionMeta
from corpusmap.store.vocabulary import (
    Vocabulary,
    compound_words,
    expand_query,
    join_compound,
    split_compound,
    stem,
)
from tests.conftest import PATENTS

QUERY = "pitching machine that throws curveballs"
CURVE_BALL_PATENTS = {"Apparatus for shooting a curve ball", "Curve ball training device"}
ABSTRACTS = [PATENTS / "abstracts_neural_network.csv", PATENTS / "abstracts_baseball.csv"]
#: The small real corpus: baseball abstracts about pitching machines or curves.
PITCHING = re.compile(r"pitching machine|curve", re.IGNORECASE)


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        pytest.skip(f"shared patent abstracts not found at {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _text(row: dict[str, str]) -> str:
    return f"{row['patent_title']} {row['patent_abstract']}"


def _index(data_dir: Path, sources: list[Path], collection: str) -> Settings:
    from indexer.cli.commands import IndexOptions, run_index

    settings = Settings(data_dir=data_dir, milvus_uri="")
    options = IndexOptions(
        sources=[str(p) for p in sources],
        preset="patentsview-abstracts",
        collection=collection,
        fit_topics=False,
    )
    run_index(settings, options)
    return settings


@pytest.fixture(scope="module")
def pitching(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The baseball abstracts about pitching machines or curves, indexed for real."""
    rows = [r for r in _rows(ABSTRACTS[1]) if PITCHING.search(_text(r))]
    folder = tmp_path_factory.mktemp("pitching")
    source = folder / "pitching.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return _index(folder / "data", [source], "pitching")


def _titles(
    settings: Settings, embedders: EmbedderPool, mode: str, compounds: bool, query: str = QUERY
) -> list[str]:
    settings = settings.with_overrides(keyword_compounds=compounds)
    with open_published(settings, "pitching") as (store, name):
        hits = search_collection(store, embedders, name, query, top_k=10, mode=mode)
    return [h.title for h in hits]


def test_real_abstracts_split_a_compound_they_write_apart():
    texts = [_text(r) for r in _rows(ABSTRACTS[1])]
    vocabulary = Vocabulary.count(texts)
    assert vocabulary.rows == len(texts)
    assert split_compound("curveballs", vocabulary) == ("curve", "balls")
    apart = vocabulary.pair_frequency(stem("curve"), stem("balls"))
    assert apart == sum(bool(re.search(r"\bcurv(e|es|ed)?[ -]+balls?\b", t, re.I)) for t in texts)
    assert {"curve", "balls"} <= set(compound_words(QUERY, vocabulary))


def test_only_spellings_the_collection_uses_are_added():
    texts = [
        "A base plate holds the pitching arm.",
        "The base plate is bolted down; a curve in the track.",
        "Each ball leaves the baseplate; the ball follows a curve.",
        "A baseplate of steel and a ball.",
        "Catch the ball. Curve to the left.",
        "Throw the ball, curve it.",
        *["The airlines fly.", "Two air lines merged."] * 2,
        *["Airlines again."] * 7,
    ]
    vocabulary = Vocabulary.count(texts)
    assert compound_words("baseplate", vocabulary) == ["base", "plate"]  # apart in 2 rows
    assert compound_words("base plate", vocabulary) == ["baseplate"]  # closed in 2 rows
    assert split_compound("ballcurve", vocabulary) is None  # side by side only across . or ,
    assert split_compound("curveball", vocabulary) is None  # "curve ball" in no row
    assert split_compound("airlines", vocabulary) is None  # apart 2 rows, closed 9: too rare
    assert join_compound("air", "lines", vocabulary) == "airlines"
    assert expand_query("steel arm", vocabulary) == "steel arm"
    assert compound_words("baseplate base", vocabulary) == ["plate"]  # none repeated


def test_vocabulary_follows_writes_to_the_collection(store: MilvusStore):
    store.create_collection("c", CollectionMeta(model="t", dimension=4))
    docs = [Document(id=str(n), text=t) for n, t in enumerate(["a tee ball", "tee ball stand"])]
    store.insert_documents("c", docs, [[d.text] for d in docs], np.ones((2, 4), np.float32))
    assert split_compound("teeball", store.vocabulary("c")) == ("tee", "ball")
    more = [Document(id="2", text="teeball and teeball")]
    store.insert_documents("c", more, [[more[0].text]], np.ones((1, 4), np.float32))
    assert store.vocabulary("c").frequency(stem("teeball")) == 1


def test_keyword_search_meets_the_other_spelling(pitching: Settings, embedders: EmbedderPool):
    texts = {r["patent_title"]: _text(r) for r in _rows(ABSTRACTS[1])}
    assert not any("curveball" in texts[t].lower() for t in CURVE_BALL_PATENTS)  # apart only
    found = _titles(pitching, embedders, "keyword", True, query="curveballs")
    assert set(found) >= CURVE_BALL_PATENTS, found
    plain = _titles(pitching, embedders, "keyword", False, query="curveballs")
    assert not set(plain) & CURVE_BALL_PATENTS, plain


def test_curveball_query_finds_both_patents_in_the_hybrid_top_10(
    pitching: Settings, embedders: EmbedderPool
):
    found = _titles(pitching, embedders, "hybrid", compounds=True)
    assert set(found) >= CURVE_BALL_PATENTS, found


@pytest.mark.slow
def test_curveball_query_on_all_shared_abstracts(tmp_path: Path, embedders: EmbedderPool):
    """Issue 15: on the 6,186 abstracts the hybrid top 10 holds both curve-ball patents."""
    for path in ABSTRACTS:
        _rows(path)
    settings = _index(tmp_path, ABSTRACTS, "abstracts")
    with open_published(settings, "abstracts") as (store, name):
        hits = search_collection(store, embedders, name, QUERY, top_k=10)
    assert {h.title for h in hits} >= CURVE_BALL_PATENTS, [h.title for h in hits]

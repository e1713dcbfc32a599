"""Compound matching on the keyword side: a query's compounds meet the collection's other
spelling ("curveballs" / "curve ball"), learnt from the collection's own vocabulary.

The fast tests index a small real corpus, the shared baseball patent abstracts about
pitching machines or curves (both curve-ball patents among them); the slow one indexes
all 6,186 abstracts, where issue 15 saw the curve-ball patents missed (its target, both
in the hybrid top 10, is an xfail: one of them is reached by neither half).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from corpusmap.builds.publishing import open_published
from corpusmap.config import Settings
from corpusmap.config.defaults import BM25_B, BM25_K1
from corpusmap.documents import Document, Hit
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import SearchHit, search_collection
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.phrases import bm25_idf, compound_phrases, phrase_rescored, phrase_score
from corpusmap.store.schema import CollectionMeta
from corpusmap.store.vocabulary import (
    Vocabulary,
    analysed,
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


def _hits(
    settings: Settings,
    embedders: EmbedderPool,
    mode: str,
    compounds: bool,
    query: str = QUERY,
    top_k: int = 10,
) -> list[SearchHit]:
    settings = settings.with_overrides(keyword_compounds=compounds)
    with open_published(settings, "pitching") as (store, name):
        return search_collection(store, embedders, name, query, top_k=top_k, mode=mode)


def _titles(*args: Any, **kwargs: Any) -> list[str]:
    return [h.title for h in _hits(*args, **kwargs)]


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


def test_a_split_compound_counts_as_one_term_with_its_own_idf():
    texts = [
        "A curve ball leaves the arm.",
        "The curve-ball grip.",
        "A curveball is thrown.",
        "The ball follows a curve.",
        *["A ball and a bat."] * 6,
    ]
    vocabulary = Vocabulary.count(texts)
    terms = sum(1 for text in texts for s in analysed(text) if s)
    assert vocabulary.average_length == terms / len(texts)
    (phrase,) = compound_phrases("curveballs for sale", vocabulary)
    assert (phrase.first, phrase.second) == (stem("curve"), stem("ball"))
    assert phrase.idf == bm25_idf(len(texts), 1 + 2)  # closed in one row, apart in two
    assert [phrase.frequency(t) for t in texts[:4]] == [1, 1, 0, 0]  # in order, side by side
    assert phrase.frequency("curve ball, curve balls") == 2
    average = vocabulary.average_length
    assert phrase_score(texts[3], [phrase], average) == 0.0  # a curve and a ball, loose
    norm = BM25_K1 * (1 - BM25_B + BM25_B * 4 / average)  # 4 terms: curv ball leav arm
    expected = phrase.idf * (BM25_K1 + 1) / (1 + norm)  # BM25 of one term at tf 1
    assert phrase_score(texts[0], [phrase], average) == pytest.approx(expected)
    loose, together = (
        Hit(2.0, {"id": "loose", "text": texts[3]}),
        Hit(1.5, {"id": "together", "text": texts[0]}),
    )
    rescored = phrase_rescored([loose, together], [phrase], vocabulary)
    assert [h.fields["id"] for h in rescored] == ["together", "loose"]
    assert rescored[1].score == 2.0
    assert compound_phrases("base plate", vocabulary) == []  # nothing to split


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
    hits = _hits(pitching, embedders, "keyword", True, query="curveballs")
    assert {h.title for h in hits} >= CURVE_BALL_PATENTS, [h.title for h in hits]
    for hit in (h for h in hits if h.title in CURVE_BALL_PATENTS):  # snippets mark them
        marked = {hit.snippet[a:b].lower() for a, b in hit.snippet_marks}
        assert {"curve", "ball"} <= marked, (hit.snippet, marked)
    plain = _titles(pitching, embedders, "keyword", False, query="curveballs")
    assert not set(plain) & CURVE_BALL_PATENTS, plain


def test_hybrid_search_ranks_both_curve_ball_patents_higher(
    pitching: Settings, embedders: EmbedderPool
):
    """Compounds move the patents that write "curve ball" up the hybrid ranking of a
    query that writes "curveballs" (rank 101: not in the top 100)."""
    ranks = {}
    for compounds in (False, True):
        titles = _titles(pitching, embedders, "hybrid", compounds, top_k=100)
        ranks[compounds] = [titles.index(t) if t in titles else 100 for t in CURVE_BALL_PATENTS]
    assert all(on <= off for on, off in zip(ranks[True], ranks[False], strict=True)), ranks
    assert sum(ranks[True]) < sum(ranks[False]), ranks


def test_keyword_search_scores_the_compound_as_a_phrase(
    pitching: Settings, embedders: EmbedderPool
):
    """The patents that write "curve ball" side by side rise in the keyword ranking of a
    query that writes "curveballs", above those that only hold "curve" and "ball"."""
    hits = _hits(pitching, embedders, "keyword", True, top_k=100)
    titles = [h.title for h in hits]
    texts = {r["patent_title"]: _text(r) for r in _rows(ABSTRACTS[1])}
    side_by_side = re.compile(r"\bcurve[ -]+balls?\b", re.IGNORECASE)
    writing = [n for n, t in enumerate(titles) if side_by_side.search(texts.get(t, ""))]
    assert {titles[n] for n in writing} >= CURVE_BALL_PATENTS, titles[:20]
    assert writing[: len(CURVE_BALL_PATENTS)] == list(range(len(CURVE_BALL_PATENTS))), titles[:10]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.fixture(scope="module")
def abstracts_titles(
    tmp_path_factory: pytest.TempPathFactory, embedders: EmbedderPool
) -> dict[str, list[str]]:
    """The top 100 titles per mode for the query, over all the abstracts indexed."""
    for path in ABSTRACTS:
        _rows(path)
    settings = _index(tmp_path_factory.mktemp("abstracts"), ABSTRACTS, "abstracts")
    titles = {}
    with open_published(settings, "abstracts") as (store, name):
        for mode in ("keyword", "hybrid"):
            hits = search_collection(store, embedders, name, QUERY, top_k=100, mode=mode)
            titles[mode] = [h.title for h in hits]
    return titles


@pytest.mark.slow
def test_curveball_query_on_all_shared_abstracts(abstracts_titles: dict[str, list[str]]):
    """Issue 15, on the 6,186 abstracts: keyword search matches both curve-ball patents
    (without compounds it matched neither), and the hybrid top 10 holds the one that
    also says "throw"; the other, which says neither "pitch" nor "throw", stays far
    down (bench/results/compounds.json), see the xfail below."""
    titles = abstracts_titles
    assert set(titles["keyword"]) >= CURVE_BALL_PATENTS, titles["keyword"][:20]
    assert "Curve ball training device" in titles["hybrid"][:10], titles["hybrid"][:10]


@pytest.mark.slow
@pytest.mark.xfail(
    reason="issue 15's target, not met: 'Apparatus for shooting a curve ball' matches only "
    "the compound; scored as a phrase it is about 11th in BM25, but dense search leaves "
    "it out of its top 100, so fusion ranks it about 49th",
    strict=True,
)
def test_both_curve_ball_patents_in_the_hybrid_top_10(abstracts_titles: dict[str, list[str]]):
    titles = abstracts_titles
    assert set(titles["hybrid"][:10]) >= CURVE_BALL_PATENTS, titles["hybrid"][:10]

"""Compound matching on the keyword side (`corpusmap.store.vocabulary`): its effect on the
three shared BEIR sets and on the shared patent abstracts.

BEIR sets: the cached candidate lists of `bench.candidates`, with each query that
compound matching changes searched again through the real store both ways (BM25 top
200, compounds off and on); the other queries' keyword lists are the same either way.
Per set and variant: keyword and hybrid (adaptive fusion, constants fitted
leave-one-set-out as in bench.retrieval) nDCG@10 and Recall@100, the paired on-minus-off
differences, the issue's target on the variant, and every changed query with the words
added. Abstracts: the 6,186 PatentsView abstracts indexed once under bench/.cache/data,
and the ranks of the two curve-ball patents for the query the issue names, per mode,
through the real search path (`search_collection`), compounds off and on.

Run: `.venv/bin/python -m bench.compounds` (after `bench.candidates`); writes
bench/results/compounds.json.
"""

from __future__ import annotations

from typing import Any

from bench import candidates
from bench.common import SHARED_DATA, write_result
from bench.fusion_fit import (
    Judged,
    Scorer,
    adaptive,
    leave_one_out,
    paired,
    per_query,
    ranker,
    run_of,
)
from bench.retrieval import judged, set_figures, target
from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.embedding.embedder import EmbedderPool
from corpusmap.search.engine import search_collection
from corpusmap.search.fusion import Fusion
from corpusmap.store.vocabulary import compound_words
from indexer.cli.commands import IndexOptions, run_index

ABSTRACTS = [SHARED_DATA / "patents" / f"abstracts_{t}.csv" for t in ("neural_network", "baseball")]
ABSTRACTS_COLLECTION = "patent_abstracts_minilm"
#: The query of issue 15 and the patents it should find in the hybrid top 10.
CURVEBALL_QUERY = "pitching machine that throws curveballs"
CURVEBALL_TITLES = ("Apparatus for shooting a curve ball", "Curve ball training device")
MODES = ("dense", "keyword", "hybrid")


def _pairs(hits: list[Any]) -> list[tuple[str, float]]:
    return [(str(h.fields["id"]), float(h.score)) for h in hits]


def variants(base: Judged) -> tuple[Judged, Judged, dict[str, list[str]]]:
    """A set's lists with compounds off and on, and the words added per changed query."""
    settings = candidates.bench_settings()
    name = candidates.ensure_index(settings, base.name)
    off, on = dict(base.lists), dict(base.lists)
    added: dict[str, list[str]] = {}
    with open_published(settings, name) as (store, physical):
        vocabulary = store.vocabulary(physical)
        for query_id, text in base.queries.items():
            words = compound_words(text, vocabulary)
            if not words:
                continue
            added[query_id] = words
            for lists, flag in ((off, False), (on, True)):
                store.keyword_compounds = flag
                keyword = store.search(
                    physical, text=text, mode="keyword", top_k=candidates.CANDIDATES_CACHED
                )
                lists[query_id] = (base.lists[query_id][0], _pairs(keyword))
    return (
        Judged(base.name, off, base.qrels, base.queries),
        Judged(base.name, on, base.qrels, base.queries),
        added,
    )


def _variant_figures(sets: list[Judged]) -> dict[str, Any]:
    names = [s.name for s in sets]
    folds = leave_one_out(Scorer(sets), names)
    figures = {
        s.name: set_figures(s, adaptive(folds[s.name]["pivot"], folds[s.name]["slope"]))
        for s in sets
    }
    return {"sets": figures, "target": target(figures), "folds": folds}


def _changed_queries(
    off: Judged, on: Judged, added: dict[str, list[str]], fusion: Fusion
) -> list[dict[str, Any]]:
    rows = []
    scores = {
        (variant.name, mode, flag): per_query(variant, run_of(variant, ranker(fusion, mode)))
        for flag, variant in (("off", off), ("on", on))
        for mode in ("keyword", "hybrid")
    }
    ids = list(off.qrels)  # the order of per_query's values
    for query_id, words in added.items():
        row: dict[str, Any] = {"query": off.queries[query_id], "added": words}
        if query_id in off.qrels:
            at = ids.index(query_id)
            for mode in ("keyword", "hybrid"):
                row[f"{mode}_ndcg@10"] = [
                    round(float(scores[(off.name, mode, f)]["ndcg@10"][at]), 4)
                    for f in ("off", "on")
                ]
        rows.append(row)
    return rows


def beir() -> dict[str, Any]:
    """Every shared set, compounds off and on: figures, paired differences, changes."""
    pairs = [variants(judged(n)) for n in candidates.DATASETS]
    off = _variant_figures([p[0] for p in pairs])
    on = _variant_figures([p[1] for p in pairs])
    result: dict[str, Any] = {"off": off, "on": on, "on_minus_off": {}, "changed_queries": {}}
    for (set_off, set_on, added), name in zip(pairs, candidates.DATASETS, strict=True):
        fold = on["folds"][name]
        fusion = adaptive(fold["pivot"], fold["slope"])
        diffs = {}
        for mode, rank in (("keyword", ranker(None, "keyword")), ("hybrid", ranker(fusion))):
            a = per_query(set_on, run_of(set_on, rank))
            b = per_query(set_off, run_of(set_off, rank))
            diffs[mode] = {m: paired(a[m], b[m]) for m in ("ndcg@10", "recall@100")}
        result["on_minus_off"][name] = diffs
        result["changed_queries"][name] = _changed_queries(set_off, set_on, added, fusion)
    return result


def _abstracts_index() -> None:
    settings = candidates.bench_settings()
    if BuildRegistry(settings.data_dir).current_id(ABSTRACTS_COLLECTION) is None:
        options = IndexOptions(
            sources=[str(p) for p in ABSTRACTS],
            preset="patentsview-abstracts",
            collection=ABSTRACTS_COLLECTION,
            fit_topics=False,
        )
        run_index(settings, options)


def _ranks(titles: list[str]) -> list[int | None]:
    return [titles.index(t) + 1 if t in titles else None for t in CURVEBALL_TITLES]


def abstracts() -> dict[str, Any]:
    """Ranks (1-based, None past 100) of the curve-ball patents per mode, off and on."""
    _abstracts_index()
    pool = EmbedderPool()
    result: dict[str, Any] = {"query": CURVEBALL_QUERY, "documents": list(CURVEBALL_TITLES)}
    for flag in (False, True):
        settings = candidates.bench_settings().with_overrides(keyword_compounds=flag)
        with open_published(settings, ABSTRACTS_COLLECTION) as (store, physical):
            ranks = {}
            for mode in MODES:
                hits = search_collection(
                    store, pool, physical, CURVEBALL_QUERY, top_k=100, mode=mode, fusion=Fusion()
                )
                titles = [h.title for h in hits]
                ranks[mode] = [
                    titles.index(t) + 1 if t in titles else None for t in CURVEBALL_TITLES
                ]
            if flag:
                result["added"] = compound_words(CURVEBALL_QUERY, store.vocabulary(physical))
        result["on" if flag else "off"] = ranks
    return result


def main() -> None:
    """Measure both, print and write bench/results/compounds.json."""
    write_result("compounds", {"beir": beir(), "abstracts": abstracts()})


if __name__ == "__main__":
    main()

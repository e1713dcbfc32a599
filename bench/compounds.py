"""Compound matching on the keyword side (`corpusmap.store.vocabulary`): its effect on the
three shared BEIR sets and on the shared patent abstracts.

BEIR sets: the cached candidate lists of `bench.candidates`, with each query that
compound matching changes searched again through the real store both ways (BM25 top
200, compounds off and on); the other queries' keyword lists are the same either way.
Per set and variant: keyword and hybrid (adaptive fusion, constants fitted
leave-one-set-out as in bench.retrieval) nDCG@10 and Recall@100, the paired on-minus-off
differences, the issue's target on the variant, and every changed query with the words
added; the same, with the shipped fusion, on the check set of patent titles
(`bench.patent_titles`, nothing fitted on it). Abstracts: the 6,186 PatentsView
abstracts indexed once under bench/.cache/data, and the ranks of the two curve-ball
patents for the query the issue names, per mode, through the real search path
(`search_collection`), compounds off and on.

Run: `.venv/bin/python -m bench.compounds` (after `bench.candidates`); writes
bench/results/compounds.json.
"""

from __future__ import annotations

import time
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
from corpusmap.config.defaults import ADAPTIVE_PIVOT, ADAPTIVE_SLOPE
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
    searched = dict(base.queries)  # what adaptive fusion counts: the text BM25 searched
    added: dict[str, list[str]] = {}
    with open_published(settings, name) as (store, physical):
        vocabulary = store.vocabulary(physical)
        for query_id, text in base.queries.items():
            words = compound_words(text, vocabulary)
            if not words:
                continue
            added[query_id] = words
            searched[query_id] = " ".join([text, *words])
            for lists, flag in ((off, False), (on, True)):
                store.keyword_compounds = flag
                keyword = store.search(
                    physical, text=text, mode="keyword", top_k=candidates.CANDIDATES_CACHED
                )
                lists[query_id] = (base.lists[query_id][0], _pairs(keyword))
    return (
        Judged(base.name, off, base.qrels, base.queries),
        Judged(base.name, on, base.qrels, searched),
        added,
    )


def _figures(sets: list[Judged]) -> tuple[dict[str, Any], dict[str, Fusion]]:
    """Every set's figures (hybrid: adaptive fitted on the other two) and its fusion."""
    folds = leave_one_out(Scorer(sets), [s.name for s in sets])
    fusions = {n: adaptive(f["pivot"], f["slope"]) for n, f in folds.items()}
    return {s.name: set_figures(s, fusions[s.name]) for s in sets}, fusions


def _per_query(variant: Judged, fusion: Fusion) -> dict[str, dict[str, Any]]:
    return {
        mode: per_query(variant, run_of(variant, rank))
        for mode, rank in (("keyword", ranker(None, "keyword")), ("hybrid", ranker(fusion)))
    }


def _set_row(
    off: dict[str, dict[str, Any]], on: dict[str, dict[str, Any]], added: int
) -> dict[str, Any]:
    row: dict[str, Any] = {"changed_queries": added}
    for mode in ("keyword", "hybrid"):
        for measure in ("ndcg@10", "recall@100"):
            row[f"{mode}_{measure}"] = [round(float(v[mode][measure].mean()), 4) for v in (off, on)]
        row[f"{mode}_ndcg@10_on_minus_off"] = paired(on[mode]["ndcg@10"], off[mode]["ndcg@10"])
    return row


def _changed(
    variant: Judged, added: dict[str, list[str]], off: dict[str, Any], on: dict[str, Any]
) -> dict[str, Any]:
    ids = list(variant.qrels)  # the order of per_query's values
    rows = {}
    for query_id, words in added.items():
        row: dict[str, Any] = {"added": words}
        for mode in ("keyword", "hybrid"):
            at = ids.index(query_id)
            row[f"{mode}_ndcg@10"] = [round(float(v[mode]["ndcg@10"][at]), 4) for v in (off, on)]
        rows[f"{variant.name}: {variant.queries[query_id]}"] = row
    return rows


def beir() -> dict[str, Any]:
    """Every shared set, compounds off and on: keyword and hybrid figures (each as
    [off, on]), paired differences, the target both ways and every changed query."""
    pairs = [variants(judged(n)) for n in candidates.DATASETS]
    figures_off, fusions_off = _figures([p[0] for p in pairs])
    figures_on, fusions_on = _figures([p[1] for p in pairs])
    sets, changed = {}, {}
    for set_off, set_on, added in pairs:
        off = _per_query(set_off, fusions_off[set_off.name])
        on = _per_query(set_on, fusions_on[set_on.name])
        sets[set_off.name] = _set_row(off, on, len(added))
        changed.update(_changed(set_off, added, off, on))
    shipped = adaptive(ADAPTIVE_PIVOT, ADAPTIVE_SLOPE)
    checks = {}
    for set_off, set_on, added in (variants(judged(n)) for n in candidates.CHECK_SETS):
        off, on = _per_query(set_off, shipped), _per_query(set_on, shipped)
        checks[set_off.name] = _set_row(off, on, len(added))
        changed.update(_changed(set_off, added, off, on))
    return {
        "sets": sets,
        "target": {"off": target(figures_off), "on": target(figures_on)},
        "check_sets": checks,
        "changed_queries": changed,
    }


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


def _vocabulary_cost(store: Any, name: str) -> dict[str, Any]:
    """What counting a collection's vocabulary takes (once per build, on first search)."""
    start = time.perf_counter()
    vocabulary = store._count_vocabulary(name)
    return {
        "rows": vocabulary.rows,
        "terms": len(vocabulary.frequencies),
        "pairs_kept": len(vocabulary.pairs),
        "seconds": round(time.perf_counter() - start, 1),
    }


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
                ranks[mode] = _ranks([h.title for h in hits])
            if flag:
                result["added"] = compound_words(CURVEBALL_QUERY, store.vocabulary(physical))
                result["vocabulary"] = _vocabulary_cost(store, physical)
        result["on" if flag else "off"] = ranks
    return result


def main() -> None:
    """Measure both, print and write bench/results/compounds.json."""
    write_result("compounds", {**beir(), "abstracts": abstracts()})


if __name__ == "__main__":
    main()

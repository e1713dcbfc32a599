"""Topic quality and stability: corpusmap's topics versus plain BERTopic defaults.

Both fit the SAME MiniLM vectors in the same run, on AG News (7,600 test texts,
4 labels) and on the 1,100 PatentSBERTa claims (label: the CPC section most of a
claim's subclasses fall in, ties alphabetical). Each is fitted with 5 seeds:
`seed_ari` is the mean pairwise ARI of their assignments (outliers as one
cluster), `min_topics_over_seeds` the fewest topics; every other figure is the
seed-42 fit's. `label_coherence` is the NPMI of each topic's label words over the corpus
(mean over topics and the minimum; corpusmap's labels as picked with the MiniLM embedder,
BERTopic's its top three terms), `largest_topic_share` the largest topic's share of all
documents. `multi_topic_agreement` (corpusmap only, claims only: AG News has one
label a text) is how often a claim's second topic's majority CPC section is one of its
own sections, with `multi_topic_baseline` the same for a random other topic
(`corpusmap.topics.metrics.multi_topic_agreement`; the vectors here are whole claims, so
no passages blend in). BERTopic defaults are `BERTopic(embedding_model=None)` with its
default UMAP given `random_state=seed` (otherwise runs are not repeatable).
Vectors are cached in bench/.cache/. Run: `.venv/bin/python -m bench.topics`.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bench.common import write_result
from bench.topic_corpora import CORPORA, MODEL, Corpus, load_corpus
from corpusmap.embedding.embedder import Embedder
from corpusmap.topics.fit import fit_topics
from corpusmap.topics.metrics import (
    CPC_LEVELS,
    evaluate_topics,
    label_agreement,
    multi_topic_agreement,
)
from corpusmap.topics.mixture import document_mixtures
from corpusmap.topics.words import PATENT_STOP_WORDS

SEEDS = (42, 7, 0, 1, 2)
#: Assignments in document order, top terms per topic and each topic's label.
Fit = tuple[list[int], dict[int, list[str]], dict[int, str]]
#: Words of a BERTopic label: its default name is its first four terms; three are scored,
#: as many as corpusmap's labels hold.
BERTOPIC_LABEL_TERMS = 3


@functools.cache
def _embedder() -> Embedder:
    return Embedder(MODEL)


def corpusmap_fit(corpus: Corpus, seed: int) -> Fit:
    """corpusmap's fit, labels picked with the MiniLM embedder as an index run does."""
    fit = fit_topics(corpus.ids, corpus.texts, corpus.vectors, seed=seed, embedder=_embedder())
    terms = {s.topic_id: [w for w, _ in s.keywords] for s in fit.summaries}
    labels = {s.topic_id: s.label for s in fit.summaries}
    return [fit.assignments[i] for i in corpus.ids], terms, labels


def mixture_agreement(corpus: Corpus, seed: int = SEEDS[0]) -> dict[str, Any]:
    """How often corpusmap's second topics agree with the CPC codes, per CPC level."""
    fit = fit_topics(corpus.ids, corpus.texts, corpus.vectors, seed=seed, embedder=_embedder())
    topic_ids = [s.topic_id for s in fit.summaries]
    mixtures = document_mixtures(
        corpus.ids, corpus.vectors, fit.assignments, topic_ids, fit.vectors
    )
    ordered = [mixtures[i] for i in corpus.ids]
    return {
        level: {
            k: round(v, 4) if isinstance(v, float) else v
            for k, v in multi_topic_agreement(ordered, corpus.cpc, level=level).items()
        }
        for level in CPC_LEVELS
    }


def bertopic_default_fit(corpus: Corpus, seed: int) -> Fit:
    """Plain BERTopic defaults on the same vectors, its UMAP seeded."""
    from bertopic import BERTopic
    from umap import UMAP

    umap = UMAP(
        n_neighbors=15,
        n_components=5,
        min_dist=0.0,
        metric="cosine",
        low_memory=False,
        random_state=seed,
    )
    model = BERTopic(embedding_model=None, umap_model=umap)
    topics, _ = model.fit_transform(corpus.texts, embeddings=corpus.vectors)
    terms = {t: [w for w, _ in model.get_topic(t) or []] for t in set(topics)}
    labels = {t: ", ".join(words[:BERTOPIC_LABEL_TERMS]) for t, words in terms.items()}
    return [int(t) for t in topics], terms, labels


def mean_pairwise_ari(runs: Sequence[Sequence[int]]) -> float:
    """Mean ARI over every pair of assignments (of the same documents, in one order)."""
    from sklearn.metrics import adjusted_rand_score

    pairs = itertools.combinations(runs, 2)
    return round(float(np.mean([adjusted_rand_score(a, b) for a, b in pairs])), 4)


def _stop_words(corpus: str) -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    extra = PATENT_STOP_WORDS if corpus == "patent_claims" else frozenset()
    return frozenset(ENGLISH_STOP_WORDS) | extra


def measure(corpus: Corpus, fit: Callable[[Corpus, int], Fit]) -> tuple[dict, dict]:
    """The figures of one method on one corpus, and details (per-seed counts, times)."""

    runs, seconds = [], []
    for seed in SEEDS:
        started = time.perf_counter()
        runs.append(fit(corpus, seed))
        seconds.append(time.perf_counter() - started)
    assignments, terms, labels = runs[0]
    metrics = evaluate_topics(
        assignments,
        terms,
        corpus.texts,
        labels=corpus.labels,
        stop=_stop_words(corpus.name),
        topic_labels=labels,
    )
    coherence = metrics["label_coherence"]
    topics_per_seed = [len(set(r[0]) - {-1}) for r in runs]
    figures = {
        "outlier_share": round(metrics["outlier_share"], 4),
        "nmi": round(metrics["nmi"], 4),
        "ari": round(metrics["ari"], 4),
        "npmi": round(metrics["npmi"], 4),
        "diversity": round(metrics["diversity"], 4),
        "topics": metrics["topics"],
        "seed_ari": mean_pairwise_ari([r[0] for r in runs]),
        "min_topics_over_seeds": min(topics_per_seed),
        "label_coherence": {
            "mean": round(coherence["mean"], 4),
            "min": round(coherence["min"], 4),
        },
        "largest_topic_share": round(metrics["largest_topic_share"], 4),
    }
    nmi_per_seed = [label_agreement(r[0], corpus.labels)["nmi"] for r in runs]
    details = {
        "topics_per_seed": dict(zip(map(str, SEEDS), topics_per_seed, strict=True)),
        "nmi_per_seed": dict(
            zip(map(str, SEEDS), (round(v, 4) for v in nmi_per_seed), strict=True)
        ),
        "stop_words_in_top10": metrics["stop_words_in_top_terms"],
        "fit_seconds_median": round(float(np.median(seconds)), 2),
        "first_fit_seconds": round(seconds[0], 2),
        "least_coherent_labels": coherence["lowest"],
    }
    return figures, details


def main() -> None:
    """Measure both methods on both corpora and write bench/results/topics.json."""
    results: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for name in CORPORA:
        corpus = load_corpus(name)
        results[name], details[name] = {}, {"documents": len(corpus.ids)}
        for method, fit in (
            ("corpusmap", corpusmap_fit),
            ("bertopic_default", bertopic_default_fit),
        ):
            results[name][method], details[name][method] = measure(corpus, fit)
            print(name, method, results[name][method], flush=True)
        agreement = mixture_agreement(corpus) if any(corpus.cpc) else {}
        section, subclass = agreement.get("section", {}), agreement.get("subclass", {})
        results[name]["corpusmap"]["multi_topic_agreement"] = section.get("agreement")
        results[name]["corpusmap"]["multi_topic_baseline"] = section.get("baseline")
        details[name]["corpusmap"].update(
            multi_topic_documents=section.get("documents"),
            multi_topic_subclass_agreement=subclass.get("agreement"),
            multi_topic_subclass_baseline=subclass.get("baseline"),
        )
    setup = {
        "seeds": list(SEEDS),
        "embedding_model": "all-MiniLM-L6-v2 (minilm)",
        "labels": {"ag_news": "label field", "patent_claims": "main CPC section"},
        "npmi": "gensim c_npmi, window 10, sklearn default tokens, top-10 terms",
        "multi_topic_agreement": "claims: second topic's majority CPC section among the "
        "claim's own sections; baseline: a random other topic; AG News: none (one label)",
    }
    write_result("topics", {**results, "details": details, "setup": setup})


if __name__ == "__main__":
    main()

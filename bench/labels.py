"""Label coherence with label terms picked by co-occurrence (the default) or by MMR alone.

One fit per corpus (seed 42, MiniLM embedding the candidate terms, as an index run
does); both labelings describe the same topics from the same candidates, so the
difference is the selection alone. Coherence: NPMI of each label's words over the
corpus (`corpusmap.topics.metrics.label_coherence`, gensim c_npmi). Beside them: the
largest topic's share and `seed_ari`, the mean pairwise ARI of fits with seeds 42, 7, 0.

    python -m bench.labels [--corpora patent_claims,abstracts]  ->  bench/results/labels.json
"""

from __future__ import annotations

import argparse
from typing import Any

from bench.common import SHARED_DATA, write_result
from bench.topic_corpora import Corpus, _vectors, load_corpus
from bench.topics import mean_pairwise_ari
from corpusmap.embedding.embedder import Embedder
from corpusmap.topics.fit import KEYWORDS, fit_topics
from corpusmap.topics.metrics import (
    label_coherence,
    largest_topic_share,
    npmi_per_topic,
    tokenized_texts,
)
from corpusmap.topics.words import label_terms

#: Seeds fitted besides 42 for `seed_ari`.
OTHER_SEEDS = (7, 0)
ABSTRACTS = [
    SHARED_DATA / "patents" / "abstracts_neural_network.csv",
    SHARED_DATA / "patents" / "abstracts_baseball.csv",
]


def abstracts() -> Corpus:
    """The 6,186 shared patent abstracts (the demo's second collection)."""
    from indexer.reading.presets import PRESETS
    from indexer.reading.sources import ReadReport, read_corpus

    docs = list(
        read_corpus([str(f) for f in ABSTRACTS], PRESETS["patentsview-abstracts"], ReadReport())
    )
    texts = [d.text for d in docs]
    return Corpus(
        "abstracts",
        [d.id for d in docs],
        texts,
        [""] * len(docs),
        _vectors("abstracts", texts),
        [[] for _ in docs],
    )


def measure(corpus: Corpus, embedder: Embedder) -> dict[str, Any]:
    """Coherence of both labelings of one fit, and the topic-size figure beside them."""
    fit = fit_topics(corpus.ids, corpus.texts, corpus.vectors, seed=42, embedder=embedder)
    topics = [s for s in fit.summaries if s.topic_id != -1]
    pools = [[w for w, _ in s.keywords[:KEYWORDS]] for s in topics]
    centres = fit.vectors[[i for i, s in enumerate(fit.summaries) if s.topic_id != -1]]
    mmr = label_terms(pools, centres, embedder)
    tokens = tokenized_texts(corpus.texts)
    result: dict[str, Any] = {"topics": len(topics)}
    for name, labels in (
        ("cooccurrence", {s.topic_id: s.label for s in topics}),
        ("mmr", {s.topic_id: ", ".join(t) for s, t in zip(topics, mmr, strict=True)}),
    ):
        result[name] = label_coherence(labels, tokens)
        scores = npmi_per_topic([labels[t].split(", ") for t in sorted(labels)], tokens)
        result[name]["below_zero"] = sum(1 for v in scores if v is not None and v < 0)
    result["largest_topic_share"] = round(largest_topic_share(list(fit.assignments.values())), 4)
    result["seed_ari"] = seed_agreement(corpus, fit.assignments, embedder)
    return result


def seed_agreement(corpus: Corpus, first: dict[str, int], embedder: Embedder) -> float:
    """Mean pairwise ARI of the topics fitted with seeds 42 (`first`), 7 and 0."""
    runs = [[first[i] for i in corpus.ids]]
    for seed in OTHER_SEEDS:
        fit = fit_topics(corpus.ids, corpus.texts, corpus.vectors, seed=seed, embedder=embedder)
        runs.append([fit.assignments[i] for i in corpus.ids])
    return mean_pairwise_ari(runs)


def main() -> None:
    """Measure each corpus; write bench/results/labels.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="patent_claims,abstracts,ag_news")
    args = parser.parse_args()
    embedder = Embedder("minilm")
    figures = {}
    for name in args.corpora.split(","):
        corpus = abstracts() if name == "abstracts" else load_corpus(name)
        figures[name] = measure(corpus, embedder)
        print(name, figures[name], flush=True)
    write_result("labels", figures)


if __name__ == "__main__":
    main()

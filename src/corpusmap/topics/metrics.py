"""Topic quality: topic count, outlier share, diversity, NPMI coherence, NMI/ARI against labels.

- Diversity (Dieng et al. 2020): unique terms among all topics' top-10 terms over
  10 x topics; 1.0 when no two topics share a term.
- NPMI: gensim's `CoherenceModel(coherence="c_npmi")` (sliding window of 10 tokens)
  over the corpus texts, tokenized the way scikit-learn's CountVectorizer does by
  default (lowercase `\\w\\w+`), so topic words of any topic model are scored on the
  same footing. Phrases ("golf club") are scored as their words; a topic needs two
  words that occur in the corpus.
- NMI (arithmetic normalisation) and ARI from scikit-learn against one class label
  per document; documents without a label are left out, the outlier topic -1 counts
  as one cluster.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corpusmap.config import LABEL_COHERENCE_FLOOR

OUTLIER = -1
TOP_N = 10
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def tokenize(text: str) -> list[str]:
    """Lowercase tokens as scikit-learn's default CountVectorizer makes them."""
    return _TOKEN.findall(text.lower())


def topic_tokens(terms: Sequence[str], top_n: int = TOP_N) -> list[str]:
    """The distinct words of a topic's first `top_n` terms, phrases split into words."""
    words = [w for term in terms[:top_n] for w in tokenize(term)]
    return list(dict.fromkeys(words))


def topic_diversity(topics: Sequence[Sequence[str]], top_n: int = TOP_N) -> float:
    """Share of distinct terms among all topics' top-`top_n` terms (0 without topics)."""
    terms = [t for topic in topics for t in list(topic)[:top_n]]
    return len(set(terms)) / len(terms) if terms else 0.0


@dataclass(frozen=True)
class TokenizedTexts:
    """Texts tokenized as `tokenize` does, with their gensim dictionary: made once when
    several sets of terms are scored over the same texts."""

    tokens: list[list[str]]
    dictionary: Any


def tokenized_texts(texts: Iterable[str] | TokenizedTexts) -> TokenizedTexts:
    """`texts` tokenized, with their dictionary (already tokenized ones as they are)."""
    if isinstance(texts, TokenizedTexts):
        return texts
    from gensim.corpora import Dictionary

    tokens = [tokenize(t) for t in texts]
    return TokenizedTexts(tokens, Dictionary(tokens))


def npmi_coherence(
    topics: Sequence[Sequence[str]],
    texts: Iterable[str] | TokenizedTexts,
    *,
    top_n: int = TOP_N,
    window_size: int | None = None,
) -> float | None:
    """Mean NPMI of the topics over `texts` (gensim c_npmi); None when no topic can be scored."""
    scores = [
        s
        for s in npmi_per_topic(topics, texts, top_n=top_n, window_size=window_size)
        if s is not None
    ]
    return sum(scores) / len(scores) if scores else None


def npmi_per_topic(
    topics: Sequence[Sequence[str]],
    texts: Iterable[str] | TokenizedTexts,
    *,
    top_n: int = TOP_N,
    window_size: int | None = None,
) -> list[float | None]:
    """NPMI of each topic over `texts` (gensim c_npmi), aligned with `topics`; None for a
    topic with fewer than two words in the corpus."""
    from gensim.models.coherencemodel import CoherenceModel

    corpus = tokenized_texts(texts)
    dictionary = corpus.dictionary
    known = [[w for w in topic_tokens(t, top_n) if w in dictionary.token2id] for t in topics]
    scored = [words for words in known if len(words) >= 2]
    if not scored:
        return [None] * len(topics)
    model = CoherenceModel(
        topics=scored,
        texts=corpus.tokens,
        dictionary=dictionary,
        coherence="c_npmi",
        topn=top_n,
        window_size=window_size,
        processes=1,
    )
    each = iter(model.get_coherence_per_topic())
    return [float(next(each)) if len(words) >= 2 else None for words in known]


def label_coherence(
    labels: Mapping[int, str], texts: Iterable[str] | TokenizedTexts, *, shown: int = 3
) -> dict[str, Any]:
    """NPMI of each topic's label terms ('a, b, c': their words) over `texts`: the mean,
    the minimum, the `shown` least coherent labels and how many fall below
    `LABEL_COHERENCE_FLOOR` (a label of one word, or of words absent from the corpus,
    is not scored)."""
    ids = sorted(t for t in labels if t != OUTLIER)
    scores = npmi_per_topic([labels[t].split(", ") for t in ids], texts)
    scored = sorted((s, t) for s, t in zip(scores, ids, strict=True) if s is not None)
    values = [s for s, _ in scored]
    return {
        "mean": sum(values) / len(values) if values else None,
        "min": values[0] if values else None,
        "scored": len(values),
        "floor": LABEL_COHERENCE_FLOOR,
        "below_floor": sum(1 for v in values if v < LABEL_COHERENCE_FLOOR),
        "lowest": [
            {"topic": t, "label": labels[t], "npmi": round(s, 4)} for s, t in scored[:shown]
        ],
    }


def stop_words_in(
    topics: Sequence[Sequence[str]], stop: Iterable[str], top_n: int = TOP_N
) -> list[str]:
    """Stop words found in any topic's top-`top_n` terms (words of phrases included), sorted."""
    banned = set(stop)
    return sorted({w for t in topics for w in topic_tokens(t, top_n) if w in banned})


def outlier_share(assignments: Sequence[int]) -> float:
    """Share of documents in the outlier topic -1."""
    return sum(a == OUTLIER for a in assignments) / len(assignments) if assignments else 0.0


def largest_topic_share(assignments: Sequence[int]) -> float:
    """Share of all documents in the largest topic (the outlier topic not counted)."""
    sizes = Counter(a for a in assignments if a != OUTLIER)
    return max(sizes.values()) / len(assignments) if sizes else 0.0


def topic_count(assignments: Iterable[int]) -> int:
    """Number of distinct topics, the outlier topic not counted."""
    return len(set(assignments) - {OUTLIER})


def label_agreement(assignments: Sequence[int], labels: Sequence[str | None]) -> dict[str, Any]:
    """NMI and ARI of topics against class labels, over the documents that have a label."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    pairs = [(a, lab) for a, lab in zip(assignments, labels, strict=True) if lab]
    if not pairs:
        return {"labelled_documents": 0, "classes": 0, "nmi": None, "ari": None}
    topics, classes = zip(*pairs, strict=True)
    return {
        "labelled_documents": len(pairs),
        "classes": len(set(classes)),
        "nmi": float(normalized_mutual_info_score(classes, topics)),
        "ari": float(adjusted_rand_score(classes, topics)),
    }


def main_cpc_section(codes: Sequence[str]) -> str:
    """The CPC section most of a document's codes fall in (ties: alphabetical); "" for none."""
    counts = Counter(c[0].upper() for c in codes if c)
    return min(counts, key=lambda s: (-counts[s], s)) if counts else ""


def evaluate_topics(
    assignments: Sequence[int],
    topic_terms: Mapping[int, Sequence[str]],
    texts: Sequence[str],
    *,
    labels: Sequence[str | None] | None = None,
    stop: Iterable[str] = (),
    topic_labels: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """Every metric for one topic assignment (`topic_terms`: terms per topic, best first;
    with `topic_labels`, also their `label_coherence`, over the same tokenized texts)."""
    terms = [list(topic_terms[t]) for t in sorted(topic_terms) if t != OUTLIER]
    corpus = tokenized_texts(texts)
    result: dict[str, Any] = {
        "documents": len(assignments),
        "topics": topic_count(assignments),
        "outlier_share": outlier_share(assignments),
        "diversity": topic_diversity(terms),
        "npmi": npmi_coherence(terms, corpus),
        "stop_words_in_top_terms": stop_words_in(terms, stop),
        "largest_topic_share": largest_topic_share(assignments),
    }
    if labels is not None:
        result.update(label_agreement(assignments, labels))
    if topic_labels is not None:
        result["label_coherence"] = label_coherence(topic_labels, corpus)
    return result


#: How `multi_topic_agreement` reads a class off a CPC code: its section or its subclass.
CPC_LEVELS = {"section": 1, "subclass": 4}


def _classes(codes: Sequence[str], level: str) -> set[str]:
    return {c[: CPC_LEVELS[level]].upper() for c in codes if c}


def topic_majority_classes(
    mixtures: Sequence[Sequence[tuple[int, float]]], cpc: Sequence[Sequence[str]], level: str
) -> dict[int, str]:
    """Each topic's majority CPC class: the class most of its documents (by their
    first, assigned topic) hold, each document counting each of its classes once (ties:
    alphabetical); topics whose documents have no codes are left out."""
    counts: dict[int, Counter[str]] = {}
    for mixture, codes in zip(mixtures, cpc, strict=True):
        if mixture and mixture[0][0] != OUTLIER:
            counts.setdefault(mixture[0][0], Counter()).update(_classes(codes, level))
    return {t: min(c, key=lambda k: (-c[k], k)) for t, c in counts.items() if c}


def multi_topic_agreement(
    mixtures: Sequence[Sequence[tuple[int, float]]],
    cpc: Sequence[Sequence[str]],
    *,
    level: str = "section",
) -> dict[str, Any]:
    """How often a document's second topic is meaningful, against its CPC codes.

    Over the documents with codes whose mixture keeps a second topic (it weighs at
    least `MIXTURE_MIN_WEIGHT`): `agreement` is the share whose second topic's
    majority class (`topic_majority_classes`) is one of the document's own classes;
    `baseline` the same for a second topic drawn at random among the topics other than
    the document's first (its expectation, exact); `lift` their ratio. `documents` is
    that population, `multi_topic_share` the share of all documents with a second topic.
    """
    majority = topic_majority_classes(mixtures, cpc, level)
    hits, chances = [], []
    for mixture, codes in zip(mixtures, cpc, strict=True):
        own = _classes(codes, level)
        if len(mixture) < 2 or not own or mixture[1][0] not in majority:
            continue
        others = [c for t, c in majority.items() if t != mixture[0][0]]
        hits.append(majority[mixture[1][0]] in own)
        chances.append(sum(c in own for c in others) / len(others))
    multi = sum(len(m) >= 2 for m in mixtures)
    agreement = sum(hits) / len(hits) if hits else None
    baseline = sum(chances) / len(chances) if chances else None
    return {
        "level": level,
        "documents": len(hits),
        "multi_topic_share": multi / len(mixtures) if mixtures else 0.0,
        "agreement": agreement,
        "baseline": baseline,
        "lift": agreement / baseline if agreement is not None and baseline else None,
    }

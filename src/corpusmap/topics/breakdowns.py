"""Topics broken down by time and by class: the words of a topic in each time bin,
and the documents of each topic per class (CPC section or subclass, or a label field).

Words per time bin never leak across bins: a bin's words come from that bin's
documents alone (BERTopic's evolution and global tuning average a bin's words
with the previous bin's or the whole topic's, which is how a word shows up in a
year where no document used it). Weights are c-TF-IDF with the topic's time bins
as the classes, so a word the topic uses in every bin still ranks by frequency
while a word peculiar to one bin is lifted there.

The counting is pure (rows in, counts out); the `*_of` functions read the store.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from corpusmap.store.filters import compared
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.topic_store import TopicStore, TopicSummary
from corpusmap.topics.views import Interval, time_bin
from corpusmap.topics.words import analyze

ClassField = Literal["cpc_sections", "cpc", "labels"]
CLASS_FIELDS: tuple[ClassField, ...] = ("cpc_sections", "cpc", "labels")
#: How a class field is named to people.
CLASS_FIELD_NAMES: dict[ClassField, str] = {
    "cpc_sections": "CPC section",
    "cpc": "CPC subclass",
    "labels": "label",
}
BIN_WORDS = 8


# -- topic words per time bin ---------------------------------------------------------
@dataclass(frozen=True)
class BinWords:
    """A topic's documents and top words in one time bin."""

    bin: str
    documents: int
    words: list[tuple[str, float]]


@dataclass
class BinCounts:
    """Term and document counts per (topic, bin), built up row by row."""

    terms: dict[tuple[int, str], Counter[str]]
    documents: Counter[tuple[int, str]]
    undated: Counter[int]


def count_bin_terms(rows: Iterable[dict[str, Any]], interval: Interval) -> BinCounts:
    """Count terms (`topic_words.analyze`) per topic and time bin over passage rows
    (`text`, `date`, `topic`, `passage`); a document is counted once, by passage 0.

    Only counts are kept, never texts, so memory grows with the vocabulary, not the corpus.
    """
    counts = BinCounts(defaultdict(Counter), Counter(), Counter())
    for row in rows:
        topic, key = int(row["topic"]), time_bin(int(row["date"]), interval)
        first = int(row.get("passage", 0)) == 0
        if key is None:
            counts.undated[topic] += first
            continue
        counts.terms[topic, key].update(analyze(str(row["text"])))
        counts.documents[topic, key] += first
    return counts


def bin_words(
    terms: dict[str, Counter[str]], documents: dict[str, int], top_n: int = BIN_WORDS
) -> list[BinWords]:
    """Top words per bin by c-TF-IDF over the given bins (one topic's), bins in order.

    tf is a term's share of its bin's terms; idf is log(1 + A / f), A the mean number
    of terms per bin and f the term's count over all bins.
    """
    totals = {b: sum(c.values()) for b, c in terms.items()}
    overall: Counter[str] = Counter()
    for counter in terms.values():
        overall.update(counter)
    mean_terms = sum(totals.values()) / len(totals) if totals else 0.0
    result = []
    for key in sorted(set(terms) | set(documents)):
        counter = terms.get(key, Counter())
        scored = [
            (term, n / totals[key] * math.log(1 + mean_terms / overall[term]))
            for term, n in counter.items()
        ]
        scored.sort(key=lambda pair: (-pair[1], pair[0]))  # ties: alphabetical, stable
        words = [(term, round(score, 6)) for term, score in scored[:top_n]]
        result.append(BinWords(key, int(documents.get(key, 0)), words))
    return result


def words_over_time(counts: BinCounts, topic: int, top_n: int = BIN_WORDS) -> list[BinWords]:
    """One topic's words per time bin, from counts over many topics."""
    terms = {b: c for (t, b), c in counts.terms.items() if t == topic}
    documents = {b: n for (t, b), n in counts.documents.items() if t == topic}
    return bin_words(terms, documents, top_n)


def topic_words_over_time_of(
    store: MilvusStore, collection: str, topic: int, interval: Interval, top_n: int = BIN_WORDS
) -> tuple[TopicSummary, list[BinWords], int]:
    """A stored topic, its words per time bin and its number of undated documents."""
    summary = TopicStore(store).get_topic(collection, topic)  # 404s first
    fields = ["text", "date", "topic", "passage"]
    expression = compared("topic", "==", int(topic))
    rows = (
        r for batch in store.iter_rows(collection, fields, expression=expression) for r in batch
    )
    counts = count_bin_terms(rows, interval)
    return summary, words_over_time(counts, topic, top_n), counts.undated[topic]


# -- topics per class ---------------------------------------------------------------
@dataclass(frozen=True)
class TopicsByClass:
    """Documents per topic per class; `counts[topic]` is aligned with `classes`.

    A document with several classes (a patent in sections A and G) counts once in
    each; `unclassified` documents have none.
    """

    field: ClassField
    classes: list[str]
    unclassified: int
    counts: dict[int, list[int]]


def pick_class_field(rows: Sequence[dict[str, Any]]) -> ClassField:
    """The first class field any row has a value in: CPC sections, CPC subclasses, then
    labels (also when no row has any class: every document is then unclassified)."""
    return next((f for f in CLASS_FIELDS if any(r.get(f) for r in rows)), "labels")


def topics_by_class(
    rows: Iterable[dict[str, Any]], field: ClassField, topics: Sequence[int] = ()
) -> TopicsByClass:
    """Count documents (one row each, with `topic` and `field`) per topic and class.

    Classes are ordered by documents, most first (ties by name); every topic in
    `topics` gets a row, as does every topic seen.
    """
    if field not in CLASS_FIELDS:
        raise ValueError(f"unknown class field {field!r}; use one of {CLASS_FIELDS}")
    pairs: Counter[tuple[int, str]] = Counter()
    unclassified = 0
    for row in rows:
        values = set(row.get(field) or [])
        unclassified += not values
        pairs.update((int(row["topic"]), str(v)) for v in values)
    per_class: Counter[str] = Counter()
    for (_, name), n in pairs.items():
        per_class[name] += n
    classes = sorted(per_class, key=lambda c: (-per_class[c], c))
    order = list(dict.fromkeys([*topics, *sorted({t for t, _ in pairs})]))
    counts = {t: [pairs[t, c] for c in classes] for t in order}
    return TopicsByClass(field, classes, unclassified, counts)


def topics_by_class_of(
    store: MilvusStore, collection: str, field: ClassField | None = None
) -> tuple[TopicsByClass, list[TopicSummary]]:
    """Topics per class of a stored collection, with its topics (largest first);
    `field` None picks the first class field in use (`pick_class_field`)."""
    summaries = TopicStore(store).list_topics(collection)  # 404s first
    fields = ["topic", *CLASS_FIELDS]
    rows = [
        r for batch in store.iter_rows(collection, fields, expression="passage == 0") for r in batch
    ]
    view = topics_by_class(rows, field or pick_class_field(rows), [t.topic_id for t in summaries])
    return view, summaries

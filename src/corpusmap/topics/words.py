"""Topic words: stop words, the c-TF-IDF vectorizer, keyword lists and readable labels.

Keywords are c-TF-IDF terms (unigrams and bigrams, so patent phrases such as
"golf club" or "heat exchanger" survive) with English, patent boilerplate and
markup stop words removed. A label is a few keywords picked one by one: close to
the topic's centroid in the embedding space (the words are embedded with the
collection's model; documents are never embedded again), written together with the
terms picked before in the topic's core documents (`corpusmap.topics.cohesion`), and
sharing no word with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from corpusmap.topics.cohesion import Presence, pair_npmi

#: Words that carry no topic in patent claims and abstracts.
PATENT_STOP_WORDS = frozenset(
    [
        "said",
        "wherein",
        "whereby",
        "whereas",
        "wherefrom",
        "thereof",
        "therein",
        "thereto",
        "thereon",
        "therefrom",
        "thereby",
        "therebetween",
        "herein",
        "hereof",
        "claim",
        "claims",
        "claimed",
        "comprising",
        "comprises",
        "comprise",
        "consisting",
        "consists",
        "essentially",
        "having",
        "include",
        "includes",
        "including",
        "plurality",
        "first",
        "second",
        "third",
        "least",
        "portion",
        "member",
        "members",
        "configured",
        "method",
        "methods",
        "apparatus",
        "device",
        "system",
        "according",
        "provided",
        "providing",
        "present",
        "invention",
        "embodiment",
        "embodiments",
        "respective",
        "respectively",
        "corresponding",
        "further",
        "disposed",
        "adapted",
        "unit",
        "based",
        "associated",
        "selected",
        "group",
        "predetermined",
        "substantially",
        "approximately",
        "via",
        "one",
        "two",
    ]
)
#: Leftovers of HTML in scraped text ("&quot;", "&lt;a href=...").
MARKUP_STOP_WORDS = frozenset(
    ["quot", "amp", "lt", "gt", "nbsp", "apos", "href", "http", "https", "www", "com", "html"]
)
#: Words only: patent reference numerals such as "( 12 )" are noise.
TOKEN_PATTERN = r"(?u)\b[a-zA-Z][a-zA-Z\-]+[a-zA-Z]\b"
_WORD = re.compile(TOKEN_PATTERN)
KEYWORDS = 10
CANDIDATES = 30
LABEL_TERMS = 3


class WordEmbedder(Protocol):
    """Anything that embeds short texts into unit vectors (e.g. `corpusmap.embedding.Embedder`)."""

    def embed_documents(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed texts as L2-normalised float32 rows."""
        ...


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """Every stop word left out of topic words: English, patent boilerplate, markup."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | PATENT_STOP_WORDS | MARKUP_STOP_WORDS


def analyze(text: str) -> list[str]:
    """Words and two-word phrases of a text, stop words removed.

    A phrase never spans a removed word: "end of the shaft" gives "end" and "shaft",
    not the phrase "end shaft" that removing stop words first would make.
    """
    banned = stop_words()
    terms: list[str] = []
    previous: str | None = None
    for word in _WORD.findall(text.lower()):
        if word in banned:
            previous = None
            continue
        terms.append(word)
        if previous is not None and previous != word:
            terms.append(f"{previous} {word}")
        previous = word
    return terms


def build_vectorizer(n_docs: int) -> Any:
    """The CountVectorizer behind c-TF-IDF: words and phrases from `analyze`."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(analyzer=analyze, min_df=2 if n_docs >= 100 else 1)


def clean_keywords(
    words: Sequence[tuple[str, float]], limit: int = KEYWORDS
) -> list[tuple[str, float]]:
    """Terms in order with empty ones, duplicates and any holding a stop word dropped."""
    banned = stop_words()
    kept: list[tuple[str, float]] = []
    for word, score in words:
        term = str(word).strip().lower()
        if term and term not in {w for w, _ in kept} and not set(term.split()) & banned:
            kept.append((term, round(float(score), 6)))
    return kept[:limit]


def _overlaps(term: str, chosen: Sequence[str]) -> bool:
    words = set(term.split())
    return any(words & set(other.split()) for other in chosen)


def _mmr(
    vectors: npt.NDArray[np.float32],
    centroid: npt.NDArray[np.float32],
    terms: Sequence[str],
    n: int,
    diversity: float,
) -> list[str]:
    relevance = vectors @ centroid
    chosen: list[int] = []
    while len(chosen) < n:
        score = relevance.copy()
        if chosen:
            score = (1 - diversity) * relevance - diversity * (vectors @ vectors[chosen].T).max(1)
        picked = [terms[i] for i in chosen]
        blocked = [i for i, t in enumerate(terms) if i in chosen or _overlaps(t, picked)]
        score[blocked] = -np.inf
        if not np.isfinite(score).any():
            break
        chosen.append(int(np.argmax(score)))
    return [terms[i] for i in chosen]


def label_terms(
    candidates: Sequence[Sequence[str]],
    centroids: npt.NDArray[np.float32],
    embedder: WordEmbedder | None = None,
    *,
    n: int = LABEL_TERMS,
    diversity: float = 0.3,
    presence: Sequence[Presence | None] | None = None,
) -> list[list[str]]:
    """Label terms per topic.

    With `presence` (per topic, which of its core documents hold each candidate,
    `corpusmap.topics.cohesion`), terms are picked one by one for being near the
    centroid and written together with the terms already picked
    (`_cohesive`). Without it: MMR against each centroid, or c-TF-IDF order without a
    model. Terms sharing a word with one already picked are skipped ("golf club" then
    not "club").
    """
    vectors = _term_vectors(candidates, embedder)
    labels: list[list[str]] = []
    for i, terms in enumerate(candidates):
        held = presence[i] if presence is not None else None
        if not terms:
            labels.append([])
        elif held is not None:
            labels.append(_cohesive(list(terms), vectors[i], centroids[i], held, n))
        elif embedder is None:
            labels.append(_first_distinct(terms, n))
        else:
            labels.append(_mmr(vectors[i], centroids[i], list(terms), n, diversity))
    return labels


def _term_vectors(candidates: Sequence[Sequence[str]], embedder: WordEmbedder | None) -> list[Any]:
    """Per topic, its candidates' embedded vectors (with a model) or None."""
    vocabulary = sorted({t for terms in candidates for t in terms})
    if embedder is None or not vocabulary:
        return [None for _ in candidates]
    embedded = np.asarray(embedder.embed_documents(vocabulary), dtype=np.float32)
    row = {t: i for i, t in enumerate(vocabulary)}
    return [embedded[[row[t] for t in terms]] if terms else None for terms in candidates]


def _cohesive(
    terms: list[str], vectors: Any, centroid: npt.NDArray[np.float32], held: Presence, n: int
) -> list[str]:
    """Greedy: each pick maximises closeness to the centroid (rescaled to 0..1 over the
    candidates; c-TF-IDF rank without a model) + its mean NPMI in the core with the
    terms picked before. (Adding the share of core documents holding a term, tried too,
    favoured generic words: "optical, image, data".)"""
    if vectors is not None:
        closeness = (vectors @ centroid).astype(np.float64)
    else:
        closeness = -np.arange(len(terms), dtype=np.float64)
    spread = float(closeness.max() - closeness.min()) or 1.0
    base = (closeness - closeness.min()) / spread
    together = pair_npmi(held)
    chosen: list[int] = []
    while len(chosen) < n:
        score = base + (together[:, chosen].mean(axis=1) if chosen else 0.0)
        picked = [terms[i] for i in chosen]
        for i, term in enumerate(terms):
            if i in chosen or _overlaps(term, picked) or not held[:, i].any():
                score[i] = -np.inf
        if not np.isfinite(score).any():
            break
        chosen.append(int(np.argmax(score)))
    return [terms[i] for i in chosen]


def _first_distinct(terms: Sequence[str], n: int) -> list[str]:
    chosen: list[str] = []
    for term in terms:
        if len(chosen) < n and not _overlaps(term, chosen):
            chosen.append(term)
    return chosen

"""A split compound scored as one term: its parts side by side, not two loose words.

Compound matching (`corpusmap.store.vocabulary`) sends BM25 the parts of a query word
the collection writes apart ("curveballs": "curve", "balls"). BM25 scores those as two
loose words, each as common as it is alone ("ball" is in most baseball patents), so a
document that writes "a curve ball" twice gains little over one that mentions a curve
and a ball. An analyzer that decompounds would index "curve ball" as the one term the
query wrote, with that term's IDF. This does the same at query time: each keyword
candidate gains the BM25 score of the phrase as one term, with the phrase's row
frequency (rows writing the compound closed or apart) for its IDF, the times the
candidate's passage writes it for its term frequency and Milvus' k1 and b. It is the
phrase (ordered adjacent pair) feature of term-dependence models (Metzler and Croft,
2005, "A Markov random field model for term dependencies"), here only for the pairs
compound matching already found, and with BM25's own weighting, so it needs no tuning.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from corpusmap.config.defaults import BM25_B, BM25_K1
from corpusmap.documents import Hit
from corpusmap.store.vocabulary import (
    WORD,
    Vocabulary,
    analysed,
    side_by_side,
    split_compound,
    stem,
)

__all__ = ["CompoundPhrase", "compound_phrases", "phrase_rescored"]


@dataclass(frozen=True)
class CompoundPhrase:
    """A split compound's two stems, side by side, and its IDF as one term."""

    first: str
    second: str
    idf: float

    def frequency(self, text: str) -> int:
        """Times `text` writes the two stems side by side (apart by spaces or a hyphen)."""
        return sum(pair == (self.first, self.second) for pair in side_by_side(text))


def bm25_idf(rows: int, frequency: int) -> float:
    """BM25's IDF as Milvus computes it: log(1 + (N - n + 0.5) / (n + 0.5))."""
    return math.log(1.0 + (rows - frequency + 0.5) / (frequency + 0.5))


def compound_phrases(query: str, vocabulary: Vocabulary) -> list[CompoundPhrase]:
    """The query's words that compound matching splits, as phrases (none repeated)."""
    phrases: dict[tuple[str, str], CompoundPhrase] = {}
    for word in WORD.findall(query.lower()):
        parts = split_compound(word, vocabulary)
        if parts is None:
            continue
        first, second = stem(parts[0]), stem(parts[1])
        rows = vocabulary.frequency(stem(word)) + vocabulary.pair_frequency(first, second)
        phrases[(first, second)] = CompoundPhrase(first, second, bm25_idf(vocabulary.rows, rows))
    return list(phrases.values())


def phrase_score(text: str, phrases: Sequence[CompoundPhrase], average_length: float) -> float:
    """The BM25 score `text` (a passage) gains from the phrases, each as one term."""
    length = sum(1 for s in analysed(text) if s)
    norm = BM25_K1 * (1.0 - BM25_B + BM25_B * length / average_length)
    score = 0.0
    for phrase in phrases:
        tf = phrase.frequency(text)
        score += phrase.idf * (BM25_K1 + 1.0) * tf / (tf + norm) if tf else 0.0
    return score


def phrase_rescored(
    hits: Sequence[Hit], phrases: Sequence[CompoundPhrase], vocabulary: Vocabulary
) -> list[Hit]:
    """Keyword hits (holding their passage's `text`) with the phrases' scores added, best first."""
    scored = [
        Hit(h.score + phrase_score(str(h.fields["text"]), phrases, vocabulary.average_length),
            h.fields)
        for h in hits
    ]  # fmt: skip
    return sorted(scored, key=lambda h: -h.score)

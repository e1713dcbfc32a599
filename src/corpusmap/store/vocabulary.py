"""The keyword side's words: the analyzer mirrored in Python, a collection's vocabulary,
and compounds matched against it.

Milvus' `english` analyzer lowercases, drops Lucene's English stop words and stems
(Snowball English), so "curveballs" is one term and "curve ball" two: a query written
one way misses documents written the other ("baseplate" / "base plate"). Milvus Lite
2.5.1 cannot split them itself: it has no `run_analyzer`, and its `decompounder`
filter needs a word list shipped per language and domain. So compounds are matched at
query time against the collection's own vocabulary, which generalises to any corpus:

- split: a query word that splits into two words the collection writes next to each
  other ("curveballs": "curve" and "balls", as in "a curve ball") adds those two words;
- join: two adjacent query words whose concatenation is a term of the collection
  ("base plate": "baseplate") add that term.

The expanded query goes to BM25 only (`MilvusStore` with `keyword_compounds`); dense
search, fusion and snippets see the query as written. The vocabulary counts passage
rows, as BM25 does, and keeps the adjacent stem pairs as sorted 64-bit hashes.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import snowballstemmer

from corpusmap.config.defaults import (
    COMPOUND_MIN_PART,
    COMPOUND_MIN_ROWS,
    COMPOUND_MIN_SHARE,
    KEYWORD_STOP_WORDS,
)

WORD = re.compile(r"\w+", re.UNICODE)
#: What parts a text into phrases: any character but a word character, a space or a hyphen.
_PHRASE_BREAK = re.compile(r"[^\w\s-]+", re.UNICODE)
#: Rows counted per step when a vocabulary is built.
_BATCH_ROWS = 1000
_LOCAL = threading.local()


def _stemmer() -> snowballstemmer.Stemmer:
    """This thread's stemmer: a Snowball stemmer keeps state while it works, so the
    API's worker threads must not share one."""
    if not hasattr(_LOCAL, "stemmer"):
        _LOCAL.stemmer = snowballstemmer.stemmer("english")
    return _LOCAL.stemmer


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """The analyzer's form of one word: lowercased and stemmed."""
    return str(_stemmer().stemWord(word.lower()))


def analysed(text: str) -> list[str | None]:
    """The stems of a text's words in order, None where the analyzer drops a stop word."""
    words = (w.lower() for w in WORD.findall(text))
    return [None if w in KEYWORD_STOP_WORDS else stem(w) for w in words]


def _pair_key(first: str, second: str) -> int:
    return hash((first, second))


def side_by_side(text: str) -> Iterator[tuple[str, str]]:
    """Each pair of stems a text writes side by side (apart by spaces or a hyphen only),
    in order, repeats included."""
    for phrase in _PHRASE_BREAK.split(text):
        yield from ((a, b) for a, b in itertools.pairwise(analysed(phrase)) if a and b)


def _row_pairs(text: str) -> set[int]:
    """The stem pairs a text writes side by side, as keys."""
    return {_pair_key(a, b) for a, b in side_by_side(text)}


@dataclass(frozen=True)
class Vocabulary:
    """The terms of a collection's keyword side: rows holding each stem, and rows
    writing each pair of stems side by side (pairs in fewer than `COMPOUND_MIN_ROWS`
    rows left out; a pair is kept as a 64-bit hash, sorted, beside its rows)."""

    rows: int
    frequencies: dict[str, int]
    pairs: npt.NDArray[np.int64]
    pair_rows: npt.NDArray[np.int64]
    #: Terms the analyzer keeps, over all rows (BM25's lengths: see `average_length`).
    terms: int = 0

    @classmethod
    def count(cls, texts: Iterable[str]) -> Vocabulary:
        """The vocabulary of some texts (passage rows), counted in batches."""
        frequencies: dict[str, int] = {}
        keys: list[npt.NDArray[np.int64]] = []
        counts: list[npt.NDArray[np.int64]] = []
        batch: list[int] = []
        rows = terms = 0
        for text in texts:
            rows += 1
            stems = [s for s in analysed(text) if s]
            terms += len(stems)
            for term in set(stems):
                frequencies[term] = frequencies.get(term, 0) + 1
            batch.extend(_row_pairs(text))
            if rows % _BATCH_ROWS == 0:
                _add_batch(batch, keys, counts)
        _add_batch(batch, keys, counts)
        return cls(rows, frequencies, *_frequent_pairs(keys, counts), terms=terms)

    @property
    def average_length(self) -> float:
        """Mean terms per row (at least 1), as BM25 normalises a row's length by."""
        return max(1.0, self.terms / self.rows) if self.rows else 1.0

    def frequency(self, term: str) -> int:
        """Rows holding a stem."""
        return self.frequencies.get(term, 0)

    def pair_frequency(self, first: str, second: str) -> int:
        """Rows writing these two stems side by side (0 below `COMPOUND_MIN_ROWS`)."""
        key = _pair_key(first, second)
        at = int(np.searchsorted(self.pairs, key))
        found = at < len(self.pairs) and int(self.pairs[at]) == key
        return int(self.pair_rows[at]) if found else 0


def _add_batch(
    batch: list[int], keys: list[npt.NDArray[np.int64]], counts: list[npt.NDArray[np.int64]]
) -> None:
    if batch:
        unique, seen = np.unique(np.array(batch, dtype=np.int64), return_counts=True)
        keys.append(unique)
        counts.append(seen.astype(np.int64))
        batch.clear()


def _frequent_pairs(
    keys: list[npt.NDArray[np.int64]], counts: list[npt.NDArray[np.int64]]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    unique, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    rows = np.bincount(inverse, weights=np.concatenate(counts)).astype(np.int64)
    kept = rows >= COMPOUND_MIN_ROWS
    return unique[kept], rows[kept]


def _content(word: str) -> bool:
    return len(word) >= COMPOUND_MIN_PART and word not in KEYWORD_STOP_WORDS


def _common_enough(other: int, written: int) -> bool:
    """Whether another spelling is a real one: in enough rows, and in at least a share
    of as many rows as the spelling the query wrote."""
    return other >= max(COMPOUND_MIN_ROWS, COMPOUND_MIN_SHARE * written)


def split_compound(word: str, vocabulary: Vocabulary) -> tuple[str, str] | None:
    """The two words a query word splits into where the collection writes them side by
    side (the split it writes in most rows), or None."""
    written = vocabulary.frequency(stem(word))
    best: tuple[int, str, str] | None = None
    for cut in range(COMPOUND_MIN_PART, len(word) - COMPOUND_MIN_PART + 1):
        first, second = word[:cut], word[cut:]
        if not (_content(first) and _content(second)):
            continue
        apart = vocabulary.pair_frequency(stem(first), stem(second))
        if _common_enough(apart, written) and (best is None or apart > best[0]):
            best = (apart, first, second)
    return None if best is None else (best[1], best[2])


def join_compound(first: str, second: str, vocabulary: Vocabulary) -> str | None:
    """Two adjacent query words as the one term the collection also writes, or None."""
    if not (_content(first) and _content(second)):
        return None
    joined = first + second
    written = vocabulary.pair_frequency(stem(first), stem(second))
    return joined if _common_enough(vocabulary.frequency(stem(joined)), written) else None


def compound_words(query: str, vocabulary: Vocabulary) -> list[str]:
    """The words compound matching adds to a keyword query (none already in it)."""
    words = [w.lower() for w in WORD.findall(query)]
    extra: list[str] = []
    for word in words:
        extra.extend(split_compound(word, vocabulary) or ())
    for first, second in itertools.pairwise(words):
        joined = join_compound(first, second, vocabulary)
        extra.extend([joined] if joined else [])
    present = {stem(w) for w in words}
    return [w for w in dict.fromkeys(extra) if stem(w) not in present]


def expand_query(query: str, vocabulary: Vocabulary) -> str:
    """A keyword query with its compounds' other spellings added."""
    return " ".join([query, *compound_words(query, vocabulary)])

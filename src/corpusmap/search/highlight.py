"""Highlighted snippets: the query's words marked where a passage has them.

Words are matched as the keyword side matches them: Milvus' `english` analyzer
(lowercase, English stop words dropped, Snowball English stemming), so "recurrent"
marks "recurrence" and "curveballs" marks "curveball". The snippet is the window of a
passage that holds the most marked words, cut at word boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from corpusmap.config.defaults import KEYWORD_STOP_WORDS
from corpusmap.store.vocabulary import WORD, stem

#: Characters of a snippet.
SNIPPET_CHARS = 300
#: Lucene's English stop words, as Milvus' `english` analyzer drops them.
STOP_WORDS = KEYWORD_STOP_WORDS
_WORD = WORD


@dataclass(frozen=True)
class Segment:
    """A piece of a snippet, marked when it is a query word."""

    text: str
    marked: bool = False


def query_terms(query: str) -> frozenset[str]:
    """The stems a keyword search for `query` matches, stop words dropped."""
    words = (w.lower() for w in _WORD.findall(query))
    return frozenset(stem(w) for w in words if w not in STOP_WORDS)


def _matches(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    return [
        (m.start(), m.end())
        for m in _WORD.finditer(text)
        if m.group().lower() not in STOP_WORDS and stem(m.group()) in terms
    ]


def _densest_window(matches: list[tuple[int, int]], width: int) -> int:
    """The start of the `width`-character window holding the most matches (the first)."""
    best_start, best_count, right = 0, 0, 0
    for left, (start, _) in enumerate(matches):
        right = max(right, left)
        while right + 1 < len(matches) and matches[right + 1][1] - start <= width:
            right += 1
        if right - left + 1 > best_count:
            best_start, best_count = start, right - left + 1
    return best_start


def _window(text: str, matches: list[tuple[int, int]], width: int) -> tuple[int, int]:
    if len(text) <= width:
        return 0, len(text)
    start = _densest_window(matches, width) if matches else 0
    start = max(0, start - width // 6)  # a little context before the first match
    end = min(len(text), start + width)
    start = max(0, end - width)
    if start > 0:  # cut at word boundaries
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end


def highlight(text: str, query: str, width: int = SNIPPET_CHARS) -> list[Segment]:
    """`text` cut to the densest `width` characters of query words, words marked; an
    ellipsis marks a cut."""
    matches = _matches(text, query_terms(query))
    start, end = _window(text, matches, width)
    segments = [Segment("… ")] if start > 0 else []
    position = start
    for m_start, m_end in matches:
        if m_start < start or m_end > end:
            continue
        segments.append(Segment(text[position:m_start]))
        segments.append(Segment(text[m_start:m_end], marked=True))
        position = m_end
    segments.append(Segment(text[position:end]))
    if end < len(text):
        segments.append(Segment(" …"))
    return [s for s in segments if s.text]


def marked_words(segments: Iterable[Segment]) -> list[str]:
    """The marked words of a snippet, in order (what a test or an export may list)."""
    return [s.text for s in segments if s.marked]

"""Long documents split into passages that fit the embedding model's token window.

MiniLM reads 256 tokens and drops the rest; 22% of the shared patent claims are
longer. A text longer than the window is cut into consecutive passages of at
most `max_tokens` tokens (by the model's own tokenizer), preferring to cut after
a sentence or clause end ('.', ';', ':') in the last third of a window. The
passages are exact slices of the text: joined, they give it back. Short texts
stay one passage.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

_BREAKS = frozenset(".;:")


class PassageSplitter:
    """Splits texts into passages of at most `max_tokens` tokens."""

    def __init__(self, tokenizer: Any, max_tokens: int, *, enabled: bool = True):
        if max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, got {max_tokens}")
        self._tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.enabled = enabled

    def split_many(self, texts: Sequence[str]) -> list[list[str]]:
        """The passages of each text (one passage per text when disabled)."""
        if not self.enabled or not texts:
            return [[t] for t in texts]
        encoded = self._tokenizer(
            list(texts),
            add_special_tokens=False,
            return_offsets_mapping=True,
            truncation=False,
            verbose=False,
        )
        return [
            self._split(text, offsets)
            for text, offsets in zip(texts, encoded["offset_mapping"], strict=True)
        ]

    def _split(self, text: str, offsets: Sequence[tuple[int, int]]) -> list[str]:
        if len(offsets) <= self.max_tokens:
            return [text]
        cuts = [0]
        start = 0
        while len(offsets) - start > self.max_tokens:
            end = self._break_before(text, offsets, start, start + self.max_tokens)
            cuts.append(offsets[end][0])
            start = end
        cuts.append(len(text))
        return [text[a:b] for a, b in itertools.pairwise(cuts) if b > a]

    def _break_before(
        self, text: str, offsets: Sequence[tuple[int, int]], start: int, limit: int
    ) -> int:
        """The token index to start the next passage at: after a clause end if one is near."""
        earliest = start + (2 * self.max_tokens) // 3
        for index in range(limit - 1, earliest - 1, -1):
            first, last = offsets[index]
            if last > first and text[last - 1] in _BREAKS:
                return index + 1
        return limit

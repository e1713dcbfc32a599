"""Near-duplicates shown once: continuations and re-filings often share a title and a
text. Hits whose normalised title and snippet are the same form one group, led by the
best-ranked; exports keep every id."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from corpusmap.search.engine import SearchHit

_SPACE = re.compile(r"\W+", re.UNICODE)


@dataclass(frozen=True)
class HitGroup:
    """A hit and the lower-ranked hits that duplicate it."""

    hit: SearchHit
    more: list[SearchHit] = field(default_factory=list)


def duplicate_key(title: str, text: str) -> str:
    """Title and text lowercased, accents folded, punctuation and spacing ignored."""
    folded = unicodedata.normalize("NFKD", f"{title}\n{text}").casefold()
    return _SPACE.sub(" ", "".join(c for c in folded if not unicodedata.combining(c))).strip()


def group_duplicates(hits: list[SearchHit]) -> list[HitGroup]:
    """Hits in rank order, each followed by its duplicates instead of repeating them."""
    groups: dict[str, HitGroup] = {}
    for hit in hits:
        key = duplicate_key(hit.title, hit.snippet)
        if key in groups:
            groups[key].more.append(hit)
        else:
            groups[key] = HitGroup(hit)
    return list(groups.values())

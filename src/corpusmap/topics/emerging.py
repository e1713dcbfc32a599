"""Emerging topics: which topics' share of the documents grew in the latest time bins,
and whether that growth stands out from the topic's own history.

For each topic, its documents in the recent window (the last `window` bins) and before
it are counted. Under "no change", a recent document belongs to the topic with the
topic's historical share; the one-sided binomial test gives the chance of seeing at
least the recent count (`p_value`). Shares, not counts, are compared, so a corpus that
grows as a whole (or a last bin only partly filled) does not make every topic emerge.
A topic emerges when its p-value is below `alpha` after a Bonferroni correction over
the topics tested and its share grew; the ranking puts those first, by growth (the
recent share over the smoothed historical share), then the rest by p-value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from scipy.stats import binomtest

from corpusmap.topics.views import TopicsOverTime

#: Share of the bins that form the recent window, when no window is given (at least 1).
RECENT_SHARE_OF_BINS = 0.1
#: Family-wise error rate of the emergence tests (Bonferroni over the topics).
EMERGING_ALPHA = 0.01
#: Pseudo-count added to a topic's history, so a topic new in the window has a finite,
#: large growth rather than an infinite one.
HISTORY_PRIOR = 0.5
OUTLIER = -1


@dataclass(frozen=True)
class EmergingTopic:
    """One topic's growth in the recent window against its history."""

    topic: int
    label: str | None
    recent: int  # the topic's documents in the recent window
    history: int  # ... before it
    recent_share: float  # of all dated documents in the window
    history_share: float  # of all dated documents before it
    growth: float  # recent share / smoothed historical share
    p_value: float  # one-sided binomial test: at least `recent` under the old share
    emerging: bool  # significant after Bonferroni, and grown


@dataclass(frozen=True)
class EmergingTopics:
    """Topics ranked by emergence over `window` (the recent bins) against `history`."""

    interval: str
    window: list[str]
    history: list[str] = field(default_factory=list)  # first and last bin before the window
    alpha: float = EMERGING_ALPHA
    topics: list[EmergingTopic] = field(default_factory=list)


def default_window(bins: int) -> int:
    """The recent window for a series of `bins` bins: a tenth of them, at least one."""
    return max(1, round(bins * RECENT_SHARE_OF_BINS))


def emerging_topics(
    view: TopicsOverTime,
    labels: Mapping[int, str | None],
    window: int | None = None,
    alpha: float = EMERGING_ALPHA,
) -> EmergingTopics:
    """Rank the topics of `view` (the outlier topic left out) by emergence in the last
    `window` bins (default `default_window`); fewer than two bins: no topic ranked."""
    size = window or default_window(len(view.bins))
    if len(view.bins) < 2 or not 1 <= size < len(view.bins):
        return EmergingTopics(view.interval, view.bins[-size:] if view.bins else [], [], alpha)
    series = {t: c for t, c in view.counts.items() if t != OUTLIER}
    split = len(view.bins) - size
    totals = [sum(column) for column in zip(*view.counts.values(), strict=True)]
    recent_total, history_total = sum(totals[split:]), sum(totals[:split])
    tested = max(1, len(series))
    rows = [
        _test(t, labels.get(t), c, split, recent_total, history_total, alpha / tested)
        for t, c in series.items()
    ]
    rows.sort(key=lambda r: (not r.emerging, -r.growth if r.emerging else r.p_value, r.topic))
    history = [view.bins[0], view.bins[split - 1]]
    return EmergingTopics(view.interval, view.bins[split:], history, alpha, rows)


def _test(
    topic: int,
    label: str | None,
    counts: Sequence[int],
    split: int,
    recent_total: int,
    history_total: int,
    level: float,
) -> EmergingTopic:
    recent, history = sum(counts[split:]), sum(counts[:split])
    base = (history + HISTORY_PRIOR) / (history_total + 2 * HISTORY_PRIOR)
    recent_share = recent / recent_total if recent_total else 0.0
    p_value = (
        binomtest(recent, recent_total, base, alternative="greater").pvalue if recent_total else 1.0
    )
    growth = recent_share / base
    return EmergingTopic(
        topic=topic,
        label=label,
        recent=recent,
        history=history,
        recent_share=round(recent_share, 4),
        history_share=round(history / history_total, 4) if history_total else 0.0,
        growth=round(growth, 3),
        p_value=float(f"{p_value:.3g}") if math.isfinite(p_value) else 1.0,
        emerging=bool(p_value < level and growth > 1.0),
    )

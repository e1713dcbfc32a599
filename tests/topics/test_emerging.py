"""Emerging topics: a topic whose share grew in the last bins ranks first and is
significant; steady topics and noise are not; a corpus that grows as a whole does not
make every topic emerge."""

from __future__ import annotations

from corpusmap.topics.emerging import default_window, emerging_topics
from corpusmap.topics.views import TopicsOverTime


def _view(counts: dict[int, list[int]]) -> TopicsOverTime:
    bins = [str(2000 + i) for i in range(len(next(iter(counts.values()))))]
    return TopicsOverTime(interval="year", undated=0, bins=bins, counts=counts)


def test_a_topic_that_grew_ranks_first_and_steady_ones_do_not_emerge():
    steady = [50] * 10
    growing = [5] * 8 + [40, 60]
    noise = [2, 1, 2, 1, 2, 1, 2, 1, 3, 2]
    view = _view({0: steady, 1: growing, 2: noise, -1: [9] * 10})
    ranked = emerging_topics(view, {1: "neural network"}, window=2)
    assert ranked.window == ["2008", "2009"] and ranked.history == ["2000", "2007"]
    first = ranked.topics[0]
    assert (first.topic, first.label, first.emerging) == (1, "neural network", True)
    assert first.recent == 100 and first.history == 40 and first.growth > 4
    assert {t.topic for t in ranked.topics if t.emerging} == {1}
    assert -1 not in {t.topic for t in ranked.topics}  # outliers are no topic


def test_a_corpus_growing_as_a_whole_makes_no_topic_emerge():
    view = _view({0: [10 * 2**i for i in range(8)], 1: [30 * 2**i for i in range(8)]})
    assert not any(t.emerging for t in emerging_topics(view, {}, window=2).topics)


def test_a_topic_new_in_the_window_emerges_with_a_finite_growth():
    view = _view({0: [40] * 6, 1: [0, 0, 0, 0, 30, 35]})
    (first, *_) = emerging_topics(view, {}, window=2).topics
    assert first.topic == 1 and first.emerging and first.history == 0 and first.growth > 10


def test_too_few_bins_rank_nothing_and_the_default_window_is_a_tenth():
    assert emerging_topics(_view({0: [3]}), {}).topics == []
    assert emerging_topics(_view({0: [3, 4]}), {}, window=2).topics == []
    assert (default_window(43), default_window(3), default_window(1)) == (4, 1, 1)

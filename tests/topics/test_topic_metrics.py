"""Topic metrics on tiny hand-made inputs whose right answers are known."""

from __future__ import annotations

import math

import pytest

from corpusmap.topics.metrics import (
    evaluate_topics,
    label_agreement,
    main_cpc_section,
    npmi_coherence,
    outlier_share,
    stop_words_in,
    topic_count,
    topic_diversity,
    topic_tokens,
)


def test_diversity_counts_distinct_terms():
    assert topic_diversity([["a", "b"], ["c", "d"]]) == 1.0
    assert topic_diversity([["a", "b"], ["a", "b"]]) == 0.5
    assert topic_diversity([["a", "b", "c"], ["c", "d", "e"]], top_n=2) == 1.0  # only top 2
    assert topic_diversity([]) == 0.0


def test_npmi_is_one_for_words_always_together_and_zero_for_independent_ones():
    # "apple" and "pie" always co-occur: P(a,b) = P(a) = P(b) = 1/2, so NPMI = 1.
    together = ["apple pie", "apple pie", "car road", "car road"]
    assert npmi_coherence([["apple", "pie"]], together) == pytest.approx(1.0, abs=1e-6)
    # Independent: P(a) = P(b) = 1/2, P(a,b) = 1/4, so PMI = log 1 = 0.
    independent = ["sun rain", "sun snow", "moon rain", "moon snow"]
    assert npmi_coherence([["sun", "rain"]], independent) == pytest.approx(0.0, abs=1e-6)
    # Never together: NPMI near -1 (gensim smooths log 0 with epsilon 1e-12: -0.95).
    apart = ["cat", "cat", "dog", "dog"]
    assert -1.0 <= (npmi_coherence([["cat", "dog"]], apart) or 0.0) < -0.9
    # The mean over topics; a topic with fewer than two known words is not scored.
    mean = npmi_coherence([["apple", "pie"], ["car", "road"], ["zebra", "apple"]], together)
    assert mean == pytest.approx(1.0, abs=1e-6)
    assert npmi_coherence([["zebra", "quokka"]], together) is None


def test_phrases_are_scored_as_their_words():
    assert topic_tokens(["golf club", "club head", "Grip"]) == ["golf", "club", "head", "grip"]
    texts = ["golf club", "golf club", "heat pump", "heat pump"]
    assert npmi_coherence([["golf club"]], texts) == pytest.approx(1.0, abs=1e-6)


def test_stop_words_are_found_inside_phrases_too():
    found = stop_words_in([["the engine", "wheel"], ["said valve"]], {"the", "said", "and"})
    assert found == ["said", "the"]


def test_label_agreement_is_perfect_for_a_relabelled_partition():
    topics = [0, 0, 1, 1, 2, 2]
    labels = ["x", "x", "y", "y", "z", "z"]
    result = label_agreement(topics, labels)
    assert result["nmi"] == pytest.approx(1.0) and result["ari"] == pytest.approx(1.0)
    assert result["classes"] == 3 and result["labelled_documents"] == 6
    # Unlabelled documents are left out; a single cluster carries no information.
    assert label_agreement([0, 0, 5], ["x", "y", ""])["nmi"] == pytest.approx(0.0)
    assert label_agreement([0, 1], ["", ""])["nmi"] is None


def test_counts_and_shares():
    assert outlier_share([-1, 0, 0, -1]) == 0.5 and outlier_share([]) == 0.0
    assert topic_count([-1, 0, 3, 3]) == 2


def test_main_cpc_section_takes_the_most_common_then_alphabetical():
    assert main_cpc_section(["G06F", "H04L", "H04W"]) == "H"
    assert main_cpc_section(["H04L", "A61B"]) == "A"
    assert main_cpc_section([]) == ""


def test_evaluate_topics_reports_everything():
    texts = ["apple pie", "apple pie", "car road", "car road"]
    result = evaluate_topics(
        [0, 0, 1, -1],
        {0: ["apple", "pie"], 1: ["car", "road"], -1: ["the"]},
        texts,
        labels=["food", "food", "cars", "cars"],
        stop={"the"},
    )
    assert result["topics"] == 2 and result["outlier_share"] == 0.25
    assert result["diversity"] == 1.0 and result["stop_words_in_top_terms"] == []
    assert result["npmi"] == pytest.approx(1.0, abs=1e-6)
    assert 0 < result["nmi"] <= 1 and not math.isnan(result["ari"])


def test_label_coherence_scores_each_label_and_names_the_least_coherent():
    from corpusmap.topics.metrics import label_coherence, largest_topic_share

    texts = ["golf club head shaft"] * 20 + ["neural network layer"] * 20 + ["golf network"]
    labels = {0: "golf, club", 1: "neural network", 2: "golf, layer", 3: "lonely", -1: "x, y"}
    coherence = label_coherence(labels, texts)
    assert coherence["scored"] == 3  # one word, and the outliers, are not scored
    first, *rest = coherence["lowest"]
    assert first["topic"] == 2 and first["npmi"] < -0.9  # words that never meet
    assert {r["topic"] for r in rest} == {0, 1} and all(r["npmi"] > 0.9 for r in rest)
    assert round(coherence["min"], 4) == first["npmi"] and 0 < coherence["mean"] < 0.5
    assert largest_topic_share([0, 0, 1, -1]) == 0.5 and largest_topic_share([-1]) == 0.0

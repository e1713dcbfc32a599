"""Adaptive fusion: BM25 leads when its lexical evidence is strong, dense when it is weak."""

from __future__ import annotations

import pytest

from corpusmap.config.defaults import ADAPTIVE_PIVOT, FUSION_DEPTH
from corpusmap.search.adaptive import (
    adaptive_fusion,
    dense_weight,
    lexical_evidence,
    normalised,
    query_terms,
)
from corpusmap.search.fusion import Fusion, Hit


def ranking(*scored: tuple[str, float]) -> list[Hit]:
    return [Hit(score, {"id": doc}) for doc, score in scored]


def ids(hits: list[Hit]) -> list[str]:
    return [h.fields["id"] for h in hits]


# Dense puts a first, BM25 puts b first; each list is sure of its own leader.
DENSE = ranking(("a", 0.80), ("c", 0.70), ("b", 0.62), ("d", 0.60), ("e", 0.40))
KEYWORD = ranking(("b", 24.0), ("d", 9.0), ("a", 7.0), ("c", 6.0), ("x", 5.0))


def test_query_terms_are_distinct_content_words_without_stop_words():
    assert query_terms("The curve ball and THE curve") == 2
    assert query_terms("Which countries have a constitutional monarchy?") == 5
    assert query_terms("the of and") == 1  # never zero


def test_lexical_evidence_is_the_best_bm25_score_per_query_term():
    assert lexical_evidence(KEYWORD, "ALDH1 prognosis") == pytest.approx(12.0)
    # Seven content words: "is" and "and" are stop words.
    assert lexical_evidence(KEYWORD, "what is known about ALDH1 and breast cancer prognosis") == (
        pytest.approx(24.0 / 7)
    )
    assert lexical_evidence([], "anything") == 0.0


def test_dense_weight_is_even_at_the_pivot_and_falls_as_evidence_grows():
    assert dense_weight(ADAPTIVE_PIVOT) == pytest.approx(0.5)
    weights = [dense_weight(e) for e in (0.0, 2.0, 4.0, 6.0, 8.0, 12.0)]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] > 0.9 and weights[-1] < 0.1


def test_bm25_leads_when_a_short_query_of_rare_words_matches_strongly():
    fused = adaptive_fusion(DENSE, KEYWORD, top_k=3, query="ALDH1 prognosis")  # 12 per term
    assert ids(fused)[0] == "b"


def test_dense_leads_when_bm25_matches_little_of_a_long_question():
    question = "which of the known markers were reported to predict a poorer outcome in patients"
    fused = adaptive_fusion(DENSE, KEYWORD, top_k=3, query=question)  # 24 over 9 terms
    assert ids(fused)[0] == "a"


def test_the_fused_ranking_is_the_union_of_both_rankings():
    fused = adaptive_fusion(DENSE, KEYWORD, top_k=10, query="ALDH1 prognosis")
    assert set(ids(fused)) == set(ids(DENSE)) | set(ids(KEYWORD))


def test_without_the_query_both_rankings_weigh_the_same():
    # Four terms put BM25's 24 points exactly at the pivot of 6 per term: equal weights.
    at_pivot = adaptive_fusion(DENSE, KEYWORD, 6, query="four rare query words")
    assert Fusion("adaptive").fuse(DENSE, KEYWORD, 6) == at_pivot


def test_a_top_10_and_a_top_100_search_fuse_their_leaders_alike():
    # A top-10 search fuses 100 candidates per list, a top-100 one 200: the extra,
    # lower candidates must not move the leaders.
    dense = ranking(*((f"d{i}", 0.9 - 0.002 * i) for i in range(2 * FUSION_DEPTH)))
    keyword = ranking(*((f"d{(7 * i) % 200}", 30.0 - 0.1 * i) for i in range(2 * FUSION_DEPTH)))
    short = adaptive_fusion(dense[:FUSION_DEPTH], keyword[:FUSION_DEPTH], 10, "two words")
    long = adaptive_fusion(dense, keyword, 10, "two words")
    assert ids(short) == ids(long)


def test_normalised_scores_span_the_head_and_clip_below_it():
    hits = ranking(("a", 10.0), ("b", 6.0), ("c", 2.0), ("d", 1.0))
    assert normalised(hits, depth=3) == {"a": 1.0, "b": 0.5, "c": 0.0, "d": 0.0}
    assert normalised(ranking(("a", 3.0), ("b", 3.0))) == {"a": 1.0, "b": 1.0}

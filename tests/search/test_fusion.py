"""How hybrid search fuses its dense and BM25 rankings (corpusmap.search.fusion, .adaptive)."""

from __future__ import annotations

import pytest

from corpusmap.search.adaptive import adaptive_fusion
from corpusmap.search.fusion import (
    Fusion,
    Hit,
    agreement_fusion,
    convex_fusion,
    rank_biased_overlap,
)


def ranking(*scored: tuple[str, float], source: str = "") -> list[Hit]:
    return [Hit(score, {"id": doc, "from": source}) for doc, score in scored]


def ids(hits: list[Hit]) -> list[str]:
    return [h.fields["id"] for h in hits]


def test_rank_biased_overlap_is_one_for_the_same_order_and_zero_for_disjoint_lists():
    order = list("abcdef")
    assert rank_biased_overlap(order, order, 0.9) == pytest.approx(1.0)
    assert rank_biased_overlap(order, list("uvwxyz"), 0.9) == 0.0
    assert rank_biased_overlap([], [], 0.9) == 0.0
    assert 0.0 < rank_biased_overlap(order, list("bacxyz"), 0.9) < 1.0


def test_rank_biased_overlap_weighs_agreement_at_the_top_more():
    base = list("abcdefgh")
    agree_at_top = list("abcdwxyz")
    agree_at_bottom = list("wxyzefgh")
    assert rank_biased_overlap(base, agree_at_top, 0.9) > rank_biased_overlap(
        base, agree_at_bottom, 0.9
    )


def test_rank_biased_overlap_is_symmetric():
    first, second = list("abcdefgh"), list("cafxbgyz")
    assert rank_biased_overlap(first, second, 0.9) == pytest.approx(
        rank_biased_overlap(second, first, 0.9)
    )


def test_a_document_strong_in_both_rankings_outranks_one_strong_in_only_one():
    dense = ranking(("a", 0.90), ("b", 0.88), ("c", 0.70), ("d", 0.50))
    keyword = ranking(("b", 20.0), ("c", 15.0), ("a", 2.0), ("d", 1.0))
    fused = agreement_fusion(dense, keyword, top_k=4)
    assert ids(fused)[0] == "b"  # second in dense, first in BM25; a is first in dense only
    assert set(ids(fused)) == {"a", "b", "c", "d"}


def test_bm25_that_finds_other_documents_does_not_reorder_dense_results():
    dense = ranking(("a", 0.9), ("b", 0.8), ("c", 0.7))
    keyword = ranking(("x", 30.0), ("y", 20.0), ("z", 10.0))
    fused = agreement_fusion(dense, keyword, top_k=6)
    assert ids(fused)[:3] == ["a", "b", "c"]  # dense leads; BM25-only hits come after
    assert set(ids(fused)[3:]) == {"x", "y", "z"}  # still found (recall)


def test_bm25_gets_more_say_the_more_the_rankings_agree():
    # b is a close second in dense search and first in BM25, a fourth there; only the
    # rest of the BM25 ranking differs: agreeing with dense search, or other documents.
    dense_order = "abcdefghijklmnopqrst"
    dense = ranking(
        ("a", 0.9), ("b", 0.88), *((d, 0.8 - 0.01 * n) for n, d in enumerate(dense_order[2:]))
    )

    def bm25(order: str) -> list[Hit]:
        return ranking(*((doc, 20.0 - n) for n, doc in enumerate(order)))

    agreeing, disagreeing = bm25("bcdaefghijklmnopqrst"), bm25("bABaCDEFGHIJKLMNOPQR")
    assert ids(agreement_fusion(dense, agreeing, top_k=2)) == ["b", "a"]
    assert ids(agreement_fusion(dense, disagreeing, top_k=2)) == ["a", "b"]


def test_a_fused_document_keeps_its_dense_passage():
    dense = ranking(("a", 0.9), ("b", 0.5), source="dense")
    keyword = ranking(("b", 12.0), ("a", 2.0), source="bm25")
    for method in ("adaptive", "agreement", "convex"):
        fused = Fusion(method).fuse(dense, keyword, top_k=2, query="b")
        assert {h.fields["from"] for h in fused} == {"dense"}


def test_agreement_fusion_is_convex_fusion_with_the_weight_it_earned():
    dense = ranking(("a", 0.9), ("b", 0.85), ("c", 0.6))
    keyword = ranking(("b", 9.0), ("a", 8.0), ("c", 1.0))
    agreement = rank_biased_overlap(ids(dense), ids(keyword), 0.9)
    expected = convex_fusion(dense, keyword, 3, 1 - 0.5 * agreement)
    assert agreement_fusion(dense, keyword, top_k=3) == expected


def test_the_default_fusion_is_adaptive_and_unknown_methods_are_refused():
    dense, keyword = ranking(("a", 0.9)), ranking(("b", 3.0))
    assert Fusion().method == "adaptive"
    assert Fusion().fuse(dense, keyword, 2, query="q") == adaptive_fusion(dense, keyword, 2, "q")
    with pytest.raises(ValueError, match="unknown fusion"):
        Fusion("sum").fuse(dense, keyword, 2)


def test_rank_biased_overlap_judges_a_short_ranking_on_the_ranks_it_has():
    # BM25 matching only three documents, the dense top three in order: full agreement.
    assert rank_biased_overlap(list("abcdefghij"), list("abc"), 0.9) == pytest.approx(1.0)
    assert rank_biased_overlap(list("abcdefghij"), list("xyz"), 0.9) == 0.0

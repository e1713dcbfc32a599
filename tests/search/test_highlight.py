"""Highlights mark the query's words as the BM25 side matches them, in the densest
window; near-duplicates fold into one group."""

from __future__ import annotations

from corpusmap.search.duplicates import duplicate_key, group_duplicates
from corpusmap.search.engine import SearchHit
from corpusmap.search.highlight import highlight, marked_words, query_terms


def test_terms_are_stemmed_lowercased_and_stop_words_dropped():
    assert query_terms("The Recurrent networks of curveballs") == {"recurr", "network", "curvebal"}


def test_marks_inflected_forms_in_the_densest_window():
    filler = "A plain sentence about nothing in particular. " * 12
    text = filler + "Recurrence in recurrent Networks and a network." + filler
    segments = highlight(text, "recurrent network", width=120)
    assert marked_words(segments) == ["Recurrence", "recurrent", "Networks", "network"]
    assert segments[0].text == "… " and segments[-1].text == " …"
    assert len("".join(s.text for s in segments)) <= 120 + 4


def test_no_query_gives_the_start_of_the_text():
    segments = highlight("word " * 100, "", width=50)
    assert marked_words(segments) == [] and "".join(s.text for s in segments).startswith("word")


def _hit(doc_id: str, title: str, snippet: str) -> SearchHit:
    return SearchHit(doc_id, 1.0, "cosine", title, snippet, None, [], [], 0, None)


def test_duplicates_by_normalised_title_and_text_are_grouped_in_rank_order():
    hits = [
        _hit("1", "Sports analysis and testing system", "A system, for sports."),
        _hit("2", "Other", "Different text"),
        _hit("3", "SPORTS analysis and testing  system", "a system for  Sports"),
    ]
    groups = group_duplicates(hits)
    assert [g.hit.id for g in groups] == ["1", "2"]
    assert [h.id for h in groups[0].more] == ["3"]
    assert duplicate_key("Café", "x") == duplicate_key("cafe", "X")


def test_highlighting_is_safe_from_many_threads():
    """The API highlights on several worker threads: a shared Snowball stemmer raised
    IndexError under concurrent use (a 500); each thread has its own."""
    from concurrent.futures import ThreadPoolExecutor

    from corpusmap.store import vocabulary as module

    words = [f"{w}{n}ing" for n in range(400) for w in ("connect", "relat", "generaliz")]
    expected = [module._stemmer().stemWord(w) for w in words]
    module.stem.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(module.stem, words))
    assert found == expected

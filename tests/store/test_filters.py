"""Filters are built from typed values and hostile values never widen a query."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from corpusmap.documents import Document
from corpusmap.errors import UnsafeFilterValueError
from corpusmap.store.filters import SearchFilters, doc_ids_filter, normalize_cpc, string_literal
from corpusmap.store.milvus import MilvusStore
from corpusmap.store.schema import CollectionMeta

HOSTILE_IDS = [
    'we"ird\\id',
    'x" or id != "',
    "x' or id != '",
    '") or (id != "',
    "back\\",
    '\\"',
    "uni é ✓ 專利",
    "id in [] or true",
]


def test_expression_from_typed_values():
    filters = SearchFilters(
        topic=3, date_from=dt.date(2015, 1, 2), date_to=dt.date(2016, 3, 4), cpc=("g06f", "H")
    )
    assert filters.expression() == (
        "topic == 3 and date >= 20150102 and (date > 0 and date <= 20160304) and "
        '(ARRAY_CONTAINS_ANY(cpc_sections, ["H"]) or ARRAY_CONTAINS_ANY(cpc, ["G06F"]))'
    )
    assert SearchFilters().expression() == ""


@pytest.mark.parametrize("code", ["G06F16/00", "G0", "", "A61K) or (1==1", 'A"', "ZZZZ"])
def test_cpc_values_outside_the_pattern_are_refused(code: str):
    with pytest.raises(UnsafeFilterValueError):
        normalize_cpc(code)


@pytest.mark.parametrize("value", ["a\nb", "tab\there", "nul\x00", "bell\x07"])
def test_control_characters_are_refused(value: str):
    with pytest.raises(UnsafeFilterValueError):
        string_literal(value)


def _vector(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=8).astype(np.float32)
    return v / np.linalg.norm(v)


def test_hostile_ids_match_exactly_themselves(store: MilvusStore):
    store.create_collection("h", CollectionMeta(model="test", dimension=8))
    docs = [Document(id=i, text=f"text {n}") for n, i in enumerate(HOSTILE_IDS)]
    docs += [Document(id=f"plain{n}", text="plain") for n in range(5)]
    vectors = np.stack([_vector(n) for n in range(len(docs))])
    store.insert_documents("h", docs, [[d.text] for d in docs], vectors)
    for hostile in HOSTILE_IDS:
        rows = store.get_documents("h", [hostile])
        assert [r["id"] for r in rows] == [hostile]
        assert store.count_where("h", doc_ids_filter([hostile])) == 1
    # A value crafted to close the literal and add a clause matches nothing extra.
    assert store.get_documents("h", ['nothing" or id != "']) == []
    assert store.count_where("h", doc_ids_filter(["plain0", 'plain1" or id != "'])) == 1


def test_label_and_metadata_filters_match_exactly_even_with_hostile_values(store: MilvusStore):
    store.create_collection("m", CollectionMeta(model="test", dimension=8))
    hostile = 'x" or topic == -1 or "'
    docs = [
        Document(id="a", text="a", labels=("World",), metadata={"kind": hostile, "year": 2015}),
        Document(id="b", text="b", labels=("Sports", hostile), metadata={"kind": "plain"}),
        Document(id="c", text="c", labels=("Business",), metadata={"kind": "plain", "ok": True}),
    ]
    store.insert_documents(
        "m", docs, [[d.text] for d in docs], np.stack([_vector(n) for n in range(3)])
    )

    def found(filters: SearchFilters) -> set[str]:
        hits = store.search("m", vector=_vector(9), top_k=10, expression=filters.expression())
        return {h.fields["id"] for h in hits}

    assert found(SearchFilters(labels=("World", "Business"))) == {"a", "c"}
    assert found(SearchFilters(labels=(hostile,))) == {"b"}
    assert found(SearchFilters(labels=('World" or "1',))) == set()
    assert found(SearchFilters(metadata={"kind": hostile})) == {"a"}
    assert found(SearchFilters(metadata={"kind": "plain", "ok": True})) == {"c"}
    assert found(SearchFilters(metadata={"year": 2015})) == {"a"}
    assert found(SearchFilters(metadata={"kind": 'plain" or "1" == "1'})) == set()


@pytest.mark.parametrize("name", ['kind"]', "a b", "", "x" * 65, "kind"])
def test_metadata_fields_must_be_plain_names_on_the_allowlist(name: str):
    from corpusmap.store.filters import check_metadata_field

    with pytest.raises(UnsafeFilterValueError):
        check_metadata_field(name, allowed=["year"])
    assert check_metadata_field("year", allowed=["year"]) == "year"

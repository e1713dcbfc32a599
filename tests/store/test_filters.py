"""Filters are built from typed values and hostile values never widen a query."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from corpusmap.documents import Document
from corpusmap.errors import UnsafeFilterValueError
from corpusmap.store.filters import (
    Filter,
    SearchFilters,
    all_of,
    compared,
    doc_ids_filter,
    normalize_cpc,
    string_literal,
)
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


def test_the_templated_form_holds_every_value_as_a_placeholder():
    filters = SearchFilters(
        topic=3, date_to=dt.date(2016, 3, 4), cpc=("G",), labels=('a" or "1',), metadata={"k": 1.5}
    )
    flt = filters.to_filter()
    assert flt.expr == (
        "topic == {p0} and (date > 0 and date <= {p1}) and "
        "(ARRAY_CONTAINS_ANY(cpc_sections, {p2})) and ARRAY_CONTAINS_ANY(labels, {p3}) and "
        'metadata["k"] == {p4}'
    )
    assert flt.filter_params() == {
        "p0": 3,
        "p1": 20160304,
        "p2": ["G"],
        "p3": ['a" or "1'],
        "p4": 1.5,
    }
    assert flt.spliced() == filters.expression()
    assert 'ARRAY_CONTAINS_ANY(labels, ["a\\" or \\"1"])' in flt.spliced()


def test_clauses_combine_with_their_placeholders_renamed_apart():
    hostile = "{p0}"  # a value spelled like a placeholder stays a value
    combined = all_of(
        "passage == 0", compared("doc_id", "!=", hostile), "", SearchFilters(topic=2).to_filter()
    )
    assert combined == Filter(
        "passage == 0 and doc_id != {p0} and topic == {p1}", {"p0": hostile, "p1": 2}
    )
    assert combined.spliced() == 'passage == 0 and doc_id != "{p0}" and topic == 2'
    assert doc_ids_filter(["a", 'b"']).spliced() == 'doc_id in ["a", "b\\""]'


@pytest.mark.parametrize(
    ("expr", "params"),
    [("a == {p0}", {}), ("a == 1", {"p0": 1}), ("a == {x}", {"x": 1}), ("a == {p0", {"p0": 1})],
)
def test_malformed_templates_are_refused(expr: str, params: dict):
    with pytest.raises(ValueError, match="malformed filter template"):
        Filter(expr, params)


@pytest.mark.parametrize(
    "value", ["nul\x00", 2**63, float("nan"), "\ud800"], ids=["control", "int", "nan", "surrogate"]
)
def test_values_neither_form_can_carry_are_refused_when_built(value: object):
    with pytest.raises(UnsafeFilterValueError):
        compared("doc_id", "==", value)  # type: ignore[arg-type]


def test_lite_always_splices_and_never_probes(store: MilvusStore):
    store.create_collection("t", CollectionMeta(model="test", dimension=8))
    flt = doc_ids_filter(['x" or 1==1 or "'])
    assert store.filters.templating is False
    assert store.filters("t", flt) == {"filter": flt.spliced()}
    assert store.filters.for_iterator("t", "passage == 0") == {"filter": "passage == 0"}
    assert store.count_where("t", flt) == 0


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

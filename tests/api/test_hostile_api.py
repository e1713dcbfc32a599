"""Hostile requests: each gets a 4xx with a message or the exact answer, never a 500, and a
filter value never widens a result (user values are quoted by `corpusmap.store.filters`).

Unknown fields are refused (422, `extra="forbid"`) rather than ignored: a misspelled filter
such as "date_form" would otherwise be dropped silently and the search would return rows
the client meant to exclude; the 422 names the field instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from corpusmap.config import Settings

SEARCH = "/collections/claims/search"
# Values that would change a filter's meaning if they were spliced into the expression,
# keywords of Milvus' expression language among them.
HOSTILE = [
    'a" or labels != "',
    "x' or '1'='1",
    "back\\slash",
    '\\" or 1==1 or \\"',
    "it's",
    "%",
    "_",
    "or",
    "and",
    "not in",
    "like",
    'json_contains(labels, "x")',
    "ARRAY_CONTAINS_ANY",
    "]) or true or ([",
    "ünï \u2028 ✓ 🙂",
]


def post(client: TestClient, path: str, body: str | bytes, **headers: str) -> Any:
    content = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    headers = {"content-type": "application/json", **headers}
    return client.post(path, content=content, headers=headers)


def assert_4xx(response: Any, status: int = 422) -> None:
    assert response.status_code == status, response.text
    assert response.json()["detail"], response.text


# -- the shared claims index -------------------------------------------------------------


def test_query_length_limit(client: TestClient) -> None:
    assert client.post(SEARCH, json={"query": "x" * 4000, "top_k": 1}).status_code == 200
    response = client.post(SEARCH, json={"query": "x" * 4001})
    assert_4xx(response)
    assert "4000" in response.text
    assert_4xx(client.get("/collections/claims/topics/search", params={"query": "y" * 4001}))
    assert_4xx(client.post("/collections/claims/topics/assign", json={"text": "z" * 20_001}))


@pytest.mark.parametrize("top_k", [-1, 0, 101, 10**30, -(10**30), 5.5, "ten", None, [5]])
def test_top_k_out_of_range_or_not_a_number(client: TestClient, top_k: object) -> None:
    response = client.post(SEARCH, json={"query": "engine", "top_k": top_k})
    assert_4xx(response)
    assert response.json()["detail"][0]["loc"] == ["body", "top_k"]
    if isinstance(top_k, int | float | str):  # as a query parameter (None and lists are not)
        url = "/collections/claims/documents/9470577/similar"
        assert_4xx(client.get(url, params={"top_k": str(top_k)}))


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_422_not_500(client: TestClient, literal: str) -> None:
    """Python's JSON parser reads these; echoing them in the 422 used to fail as a 500."""
    assert_4xx(post(client, SEARCH, f'{{"query": "x", "top_k": {literal}}}'))
    assert_4xx(post(client, SEARCH, f'{{"query": "x", "topic": {literal}}}'))
    assign = "/collections/claims/topics/assign"
    assert_4xx(post(client, assign, f'{{"text": "x", "top_k": {literal}}}'))


def test_unknown_fields_are_refused(client: TestClient) -> None:
    response = client.post(SEARCH, json={"query": "x", "date_form": "2016-01-01"})
    assert_4xx(response)
    assert response.json()["detail"][0]["loc"] == ["body", "date_form"]
    assert_4xx(client.post("/collections/claims/topics/assign", json={"text": "x", "k": 1}))
    assert_4xx(client.get("/collections/claims/documents/9470577/similar", params={"q": "x"}))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b'{"query": "x",}',
        b"{'query': 'x'}",
        b'{"query": "x"} trailing',
        b'{"query": "x"',
        b"\xff\xfe{}",
        b'{"query": "caf\xe9"}',
        b"[]",
        b'"query"',
        b"null",
        b"1e999999",
        b'{"query": "x", "top_k": ' + b"9" * 5000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_json_is_a_4xx(client: TestClient, body: bytes) -> None:
    response = post(client, SEARCH, body)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]


def test_a_body_that_is_not_json(client: TestClient) -> None:
    response = post(client, SEARCH, b"query=x", **{"content-type": "text/plain"})
    assert 400 <= response.status_code < 500
    # A byte order mark before the JSON is not an error: the JSON is read.
    assert post(client, SEARCH, b'\xef\xbb\xbf{"query": "x", "top_k": 1}').status_code == 200


@pytest.mark.parametrize("field", ["query", "labels", "metadata key", "text"])
def test_lone_surrogates_are_422(client: TestClient, field: str) -> None:
    """JSON may escape half a surrogate pair; no tokenizer or Milvus can take one (a 500)."""
    path, body = {
        "query": (SEARCH, r'{"query": "engine \ud800"}'),
        "labels": (SEARCH, r'{"query": "engine", "labels": ["a\udfff"]}'),
        "metadata key": (SEARCH, r'{"query": "engine", "metadata": {"\ud800": 1}}'),
        "text": ("/collections/claims/topics/assign", r'{"text": "x \udc00 y"}'),
    }[field]
    response = post(client, path, body)
    assert_4xx(response)
    json.dumps(response.json())  # the echoed input is valid JSON text


def test_nesting_where_text_belongs_is_422(client: TestClient) -> None:
    deep = "[" * 900 + "]" * 900
    for body in (
        f'{{"query": {deep}}}',
        f'{{"query": "x", "labels": {deep}}}',
        f'{{"query": "x", "extra": {deep}}}',
    ):
        response = post(client, SEARCH, body)
        assert_4xx(response)
        assert len(response.text) < 2000  # the echo of the input is cut, not the whole value


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_filter_values_never_widen_a_result(client: TestClient, value: str) -> None:
    # The claims carry no labels: a label filter matches nothing, however it is written.
    response = client.post(SEARCH, json={"query": "engine", "labels": [value]})
    assert response.status_code == 200, response.text
    assert response.json()["hits"] == []
    similar = client.get("/collections/claims/documents/9470577/similar", params={"labels": value})
    assert similar.status_code == 200 and similar.json() == []
    # A CPC code has a strict pattern: anything else is refused, not searched for.
    assert_4xx(client.post(SEARCH, json={"query": "engine", "cpc": [value]}))
    # An id is quoted too: no document answers to an injection.
    document = client.get(f"/collections/claims/documents/{value.replace('%', '%25')}")
    assert document.status_code == 404, document.text


@pytest.mark.parametrize("char", ["\x00", "\x07", "\n", "\r", "\x1b", "\x7f"])
def test_control_characters_in_filter_values_are_422(client: TestClient, char: str) -> None:
    """Milvus' parser does not read them back exactly, so they are refused, not guessed at."""
    assert_4xx(client.post(SEARCH, json={"query": "engine", "labels": [f"a{char}b"]}))
    url = "/collections/claims/documents/9470577/similar"
    assert_4xx(client.get(url, params={"labels": f"a{char}b"}))
    # No document can have such an id (the reader refuses them): none is found.
    assert_4xx(client.get(f"/collections/claims/documents/a%{ord(char):02X}b"), 404)
    # In the query itself a control character is only text to embed.
    assert client.post(SEARCH, json={"query": f"engine{char}", "top_k": 1}).status_code == 200


# -- a small index of hostile ids, labels and metadata -------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A collection whose ids, labels and metadata are the hostile values themselves."""
    from api.main import create_app
    from indexer.cli.commands import IndexOptions, run_index

    folder = tmp_path_factory.mktemp("hostile")
    corpus = folder / "hostile.jsonl"
    rows = [
        {"id": v, "text": f"document number {i} about {v}", "labels": [v], "note": v, "n": i}
        for i, v in enumerate(HOSTILE)
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    settings = Settings(data_dir=folder / "data", milvus_uri="")
    options = IndexOptions(
        sources=[str(corpus)],
        collection="hostile",
        id_field="id",
        text_fields=["text"],
        label_fields=["labels"],
        metadata_fields=["note", "n"],
        fit_topics=False,
    )
    assert run_index(settings, options)["documents"] == len(HOSTILE)
    serving = settings.model_copy(update={"metadata_filter_fields": ["note", "n"]})
    with TestClient(create_app(serving), raise_server_exceptions=False) as test:
        yield test


def hostile_search(client: TestClient, **filters: object) -> list[str]:
    body = {"query": "document", "top_k": 100, "mode": "dense", **filters}
    response = client.post("/collections/hostile/search", json=body)
    assert response.status_code == 200, response.text
    return sorted(h["id"] for h in response.json()["hits"])


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_match_exactly_themselves(hostile: TestClient, value: str) -> None:
    assert hostile_search(hostile, labels=[value]) == [value]
    assert hostile_search(hostile, metadata={"note": value}) == [value]
    assert hostile_search(hostile, labels=[value], metadata={"note": value}) == [value]
    response = hostile.get(f"/collections/hostile/documents/{value.replace('%', '%25')}")
    assert response.status_code == 200, response.text
    assert response.json()["id"] == value and response.json()["labels"] == [value]
    similar = hostile.get(f"/collections/hostile/documents/{value.replace('%', '%25')}/similar")
    assert similar.status_code == 200, similar.text
    assert value not in {h["id"] for h in similar.json()}


def test_hostile_values_are_not_patterns_or_prefixes(hostile: TestClient) -> None:
    assert hostile_search(hostile, labels=["a"]) == []  # not a prefix of 'a" or ...'
    assert hostile_search(hostile, labels=["back\\\\slash"]) == []  # two backslashes: no
    assert hostile_search(hostile, labels=["%", "_"]) == ["%", "_"]  # literals, not wildcards
    assert hostile_search(hostile, labels=["OR"]) == []  # keywords are plain, case-exact text


def test_metadata_numbers_and_types(hostile: TestClient) -> None:
    assert hostile_search(hostile, metadata={"n": 3}) == [HOSTILE[3]]
    assert hostile_search(hostile, metadata={"n": 3, "note": HOSTILE[4]}) == []
    assert hostile_search(hostile, metadata={"n": 2**63 - 1}) == []
    # An integer past 64 bits is not spliced as one (Milvus failed on it: a 5xx); it is
    # compared as the float it also is, and matches nothing here.
    assert hostile_search(hostile, metadata={"n": 2**63}) == []
    too_big = '{"query": "x", "metadata": {"n": 1%s}}' % ("0" * 400)
    assert_4xx(post(hostile, "/collections/hostile/search", too_big))
    not_allowed = {"query": "x", "metadata": {"labels": "x"}}
    assert_4xx(hostile.post("/collections/hostile/search", json=not_allowed))


def test_every_hostile_document_is_stored_once(hostile: TestClient) -> None:
    assert hostile.get("/collections/hostile").json()["documents"] == len(HOSTILE)
    assert hostile_search(hostile) == sorted(HOSTILE)

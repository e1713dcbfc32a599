"""The OpenAPI schema says what the API does: the errors each operation can answer, the
CPC codes and metadata fields it takes (schemathesis checks the answers themselves)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.main import create_app
from api.request_models import CPC_PATTERN, NOT_BLANK
from corpusmap.config import Settings
from corpusmap.errors import UnsafeFilterValueError
from corpusmap.store.filters import normalize_cpc


def _schema(**settings: Any) -> dict[str, Any]:
    return create_app(Settings(milvus_uri="", **settings)).openapi()


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, item in schema["paths"].items() for m, op in item.items()]


def test_operations_document_the_errors_they_can_answer():
    schema = _schema(admin_endpoints=True, api_key="k" * 32)
    for path, method, operation in _operations(schema):
        answers = set(operation["responses"])
        if "{name}" in path:
            assert "404" in answers, f"{method} {path} can 404"
        if "requestBody" in operation:
            assert {"400", "422"} <= answers, f"{method} {path} can 400 (unparsable) or 422"
        if path.startswith("/admin"):
            assert {"401", "403"} <= answers, f"{method} {path} needs the key"
        for status in answers - {"200"}:
            content = operation["responses"][status].get("content", {})
            assert "application/json" in content, f"{method} {path} {status} is JSON"


def test_the_schema_names_the_cpc_codes_that_filter():
    search = _schema()["components"]["schemas"]["SearchRequest"]["properties"]
    assert search["cpc"]["items"]["pattern"] == CPC_PATTERN
    for code in ["G", "g06f", " A61K ", "Y02E", "G06F16/00", "Z", "", "G0", "GG6F"]:
        try:
            normalize_cpc(code)
            accepted = True
        except UnsafeFilterValueError:
            accepted = False
        assert accepted == bool(re.search(CPC_PATTERN, code)), code


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ([], {"maxProperties": 0}),
        (["year", "office"], {"propertyNames": {"enum": ["office", "year"]}}),
    ],
)
def test_the_schema_names_the_metadata_fields_this_server_filters_on(
    fields: list[str], expected: dict[str, Any]
):
    schema = _schema(metadata_filter_fields=fields)
    metadata = schema["components"]["schemas"]["SearchRequest"]["properties"]["metadata"]
    assert expected.items() <= metadata.items()


def test_blank_text_is_refused_by_the_schema_as_by_the_server():
    for text in [" \t\n", "\u3000", "\x1c", "\ufeff"]:
        assert not re.search(NOT_BLANK, text)
    assert re.search(NOT_BLANK, " a ")

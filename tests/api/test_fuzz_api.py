"""Property-based fuzz of the API from its own OpenAPI schema (schemathesis): for every
operation, valid requests (positive) and requests that break the schema (negative) never
get a server error, and every answer is what the schema says: a documented status and
content type, a body of the documented shape, valid requests accepted and invalid ones
refused (every check that needs no second request; `test_schema_conformance` runs the
schemathesis engine with all of them against a served API).

Cases come from `APIOperation.as_strategy` and go through the shared `client` (the real
app over the real claims index) rather than schemathesis' own ASGI transport: that one
starts the app's lifespan a second time and keeps it (and its Milvus Lite client) open
until the process exits, and the pytest integration that takes a fixture
(`schemathesis.pytest.from_fixture`) does not run under pytest 9. Half of the cases name
the real collection, so searches, topics and documents are reached, not only 404s.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from api.main import create_app
from corpusmap.config import Settings
from tests.helpers.schema_hooks import dates_in_order

# The schema of the same routes the `client` app serves; no lifespan, no store is opened.
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(milvus_uri="")).openapi())
RESULTS = list(SCHEMA.get_all_operations())
OPERATIONS = [result.ok() for result in RESULTS if isinstance(result, Ok)]
assert len(OPERATIONS) == len(RESULTS), "an operation's schema is invalid"
REAL_VALUES: dict[str, list[Any]] = {
    "name": ["claims"],
    "doc_id": ["9470577", "8558498"],
    "topic_id": [0, 1, -1],
}
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)
#: Every check that judges one response (the others send more requests of their own).
RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]


def _can_break(operation: APIOperation) -> bool:
    """Whether a request can break the schema: a body, or a parameter with constraints
    (a path segment that is any string, like a collection name, cannot be wrong)."""
    raw = operation.definition.raw
    if raw.get("requestBody"):
        return True
    return any(
        p["schema"] != {"type": "string", "title": p["schema"].get("title")}
        for p in raw.get("parameters", [])
    )


CASES = [
    pytest.param(operation, mode, id=f"{operation.label} {mode.value}")
    for operation in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _can_break(operation)
]


def _check(client: TestClient, operation: APIOperation, mode: GenerationMode, data: Any) -> None:
    case = data.draw(operation.as_strategy(mode), label="case")
    assume(dates_in_order(case.body) and dates_in_order(case.query))  # no schema can say it
    # Real ids and names only in valid requests: put into a negative case they could make
    # its one invalid part valid, and a valid request answered 200 is no failure.
    for name, values in REAL_VALUES.items() if mode == GenerationMode.POSITIVE else ():
        if name in case.path_parameters and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = data.draw(st.sampled_from(values), label=name)
    response = client.request(**case.as_transport_kwargs(base_url=str(client.base_url)))
    case.validate_response(response, checks=RESPONSE_CHECKS)


@pytest.mark.parametrize(("operation", "mode"), CASES)
@settings(FUZZ, max_examples=25)
@given(data=st.data())
def test_answers_match_the_schema(
    client: TestClient, operation: APIOperation, mode: GenerationMode, data: Any
) -> None:
    _check(client, operation, mode, data)


@pytest.mark.slow
@pytest.mark.parametrize(("operation", "mode"), CASES)
@settings(FUZZ, max_examples=300)
@given(data=st.data())
def test_answers_match_the_schema_long(
    client: TestClient, operation: APIOperation, mode: GenerationMode, data: Any
) -> None:
    _check(client, operation, mode, data)

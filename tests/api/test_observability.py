"""Metrics, request ids in responses and logs, JSON logs, health and readiness.

On the real app over its own Milvus Lite (its own module: see test_security).
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.main import create_app
from api.observability import (
    TEXT_FORMAT,
    RequestIdFilter,
    accept_or_new_request_id,
    request_id_var,
)
from corpusmap.config import Settings
from tests.conftest import ROOT

KEY = "test-key-0123456789abcdef"
DOCS = 24
TOPICS = ("golf clubs", "lithium batteries", "antibodies")

Counts = dict[tuple[str, str, str], float]


def json_settings(data_dir: Path, **update: object) -> Settings:
    """JSON logs everywhere in this module: each app re-points the process's handler."""
    base = Settings(data_dir=data_dir, milvus_uri="")
    return base.model_copy(update={"log_format": "json", **update})


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with its lifespan run over a small published collection of its own;
    admin endpoints on, for a line logged from the threadpool."""
    from indexer.cli.commands import IndexOptions, run_index

    data_dir = tmp_path_factory.mktemp("observed")
    corpus = data_dir / "notes.jsonl"
    rows = [{"id": f"n{i}", "text": f"note {i} about {TOPICS[i % 3]}"} for i in range(DOCS)]
    corpus.write_text("\n".join(json.dumps(row) for row in rows))
    settings = json_settings(data_dir, admin_endpoints=True, api_key=SecretStr(KEY))
    options = IndexOptions(
        sources=[str(corpus)], collection="notes", id_field="id", text_fields=["text"]
    )
    run_index(settings, replace(options, fit_topics=False))
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the API's own log handler writes, for one test."""
    (handler,) = [h for h in logging.getLogger().handlers if type(h).__name__ == "_ApiHandler"]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_health_and_readiness(served: TestClient):
    assert served.get("/health").json()["status"] == "ok"
    ready = served.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "collections": 1,
        "unserved": [],
        "models_loaded": ["minilm"],
    }


def test_not_ready_before_the_lifespan(tmp_path: Path):
    client = TestClient(create_app(json_settings(tmp_path)))  # no `with`: no lifespan
    response = client.get("/ready")
    assert response.status_code == 503 and response.json()["status"] == "starting"


def test_request_id_is_echoed_or_made(served: TestClient):
    sent = served.get("/collections", headers={"X-Request-ID": "trace-123.a:b"})
    assert sent.headers["X-Request-ID"] == "trace-123.a:b"
    made = served.get("/collections").headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    for insane in ("has space", "x" * 200, 'quote"s', "-leading-dash"):
        echoed = served.get("/collections", headers={"X-Request-ID": insane})
        assert echoed.headers["X-Request-ID"] != insane
    # Errors carry it too.
    assert served.get("/collections/nope").headers["X-Request-ID"]


def test_every_log_line_of_a_request_has_its_id(served: TestClient, log_lines: io.StringIO):
    response = served.get(
        "/admin/settings", headers={"X-API-Key": KEY, "X-Request-ID": "req-logged-1"}
    )
    assert response.status_code == 200
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    by_logger = {line["logger"]: line for line in lines}
    # The audit line is logged from the threadpool that runs the sync route.
    audit = by_logger["api.routes.admin"]
    access = by_logger["api.access"]
    assert audit["request_id"] == access["request_id"] == "req-logged-1"
    # The test's own HTTP client logs too, from outside the request: only the app's lines.
    app_lines = [line for line in lines if line["logger"].startswith(("api", "corpusmap"))]
    assert all(line["request_id"] == "req-logged-1" for line in app_lines)
    assert access["route"] == "/admin/settings" and access["status"] == 200
    assert access["method"] == "GET" and access["duration_ms"] >= 0
    assert {"time", "level", "message"} <= set(access)


def test_text_lines_name_the_request_id():
    record = logging.LogRecord("api.x", logging.INFO, __file__, 1, "hello", None, None)
    token = request_id_var.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert "[abc123]: hello" in logging.Formatter(TEXT_FORMAT).format(record)
    assert accept_or_new_request_id("ok-id") == "ok-id"


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def _request_counts(samples: dict[str, list[tuple[dict[str, str], float]]]) -> Counts:
    return {
        (labels["route"], labels["method"], labels["status"]): value
        for labels, value in samples["corpusmap_http_requests_total"]
    }


def test_metrics_by_route_template_and_what_is_served(served: TestClient):
    before = _request_counts(_samples(served.get("/metrics").text))
    for name in ("alpha", "beta", "gamma"):
        assert served.get(f"/collections/{name}").status_code == 404
    assert served.get("/no/such/path/123").status_code == 404
    response = served.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    counts = _request_counts(samples)
    # Three collection names, one series: labelled by template, not raw path.
    template = ("/collections/{name}", "GET", "404")
    assert counts[template] - before.get(template, 0) == 3
    assert counts[("unmatched", "GET", "404")] >= 1
    assert "/no/such/path/123" not in response.text and "alpha" not in response.text
    buckets = samples["corpusmap_http_request_duration_seconds_bucket"]
    assert any(labels["route"] == "/collections/{name}" for labels, _ in buckets)
    assert samples["corpusmap_ready"] == [({}, 1.0)]
    ((served_build, _),) = samples["corpusmap_served_build"]
    assert served_build["collection"] == "notes" and served_build["build"]
    assert samples["corpusmap_collection_documents"] == [({"collection": "notes"}, DOCS)]
    assert samples["corpusmap_store_up"] == [({}, 1.0)]
    assert samples["corpusmap_model_loaded"] == [({"model": "minilm"}, 1.0)]
    ((info, _),) = samples["corpusmap_build_info"]
    assert info["store"] == "lite" and info["version"]


def test_metrics_of_unusual_methods_share_one_label(served: TestClient):
    served.request("PROPFIND", "/collections")
    text = served.get("/metrics").text
    assert "PROPFIND" not in text and 'method="other"' in text


WORKER = """
import sys
from fastapi.testclient import TestClient
from api.main import create_app
from corpusmap.config import Settings

client = TestClient(create_app(Settings(data_dir=sys.argv[1], milvus_uri="")))
for _ in range(int(sys.argv[2])):
    assert client.get("/openapi.json").status_code == 200
if sys.argv[3] == "scrape":
    print(client.get("/metrics").text)
"""


def test_metrics_add_up_over_workers(tmp_path: Path):
    """With PROMETHEUS_MULTIPROC_DIR (as docker-compose sets it) one scrape counts the
    requests of every worker, here two processes one after the other."""
    shared = tmp_path / "metrics"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared), "HF_HUB_OFFLINE": "1"}

    def worker(requests: int, then: str) -> str:
        command = [sys.executable, "-c", WORKER, str(tmp_path), str(requests), then]
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    worker(2, "exit")
    text = worker(3, "scrape")
    counts = _request_counts(_samples(text))
    assert counts[("/openapi.json", "GET", "200")] == 5

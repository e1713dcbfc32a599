"""API keys, body size and rate limits, CORS: on the real app over its own Milvus Lite.

Its own module: the apps here open Lite files of their own, and the shared `client`
fixture holds the claims index open within the module that uses it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.limits import TokenBuckets
from api.main import create_app
from corpusmap.config import MASK, Settings
from corpusmap.errors import ConfigError

KEY = "test-key-0123456789abcdef"
ORIGIN = "https://ui.example"
BODY_LIMIT = 2048


def settings_for(data_dir: Path, **update: object) -> Settings:
    """Settings over a data dir of its own; other values as a deployment would set them."""
    return Settings(data_dir=data_dir, milvus_uri="").model_copy(update=update)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Admin endpoints on, a key, a small body limit and one CORS origin; lifespan run."""
    settings = settings_for(
        tmp_path_factory.mktemp("secured"),
        admin_endpoints=True,
        api_key=SecretStr(KEY),
        max_request_bytes=BODY_LIMIT,
        cors_origins=[ORIGIN],
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def test_admin_needs_the_key(secured: TestClient):
    missing = secured.get("/admin/settings")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert "X-API-Key" in missing.json()["detail"]
    assert secured.get("/admin/settings", headers={"X-API-Key": KEY + "x"}).status_code == 403
    wrong_bearer = secured.get("/admin/settings", headers={"Authorization": "Bearer nope"})
    assert wrong_bearer.status_code == 403
    basic = secured.get("/admin/settings", headers={"Authorization": f"Basic {KEY}"})
    assert basic.status_code == 401


@pytest.mark.parametrize(
    "headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}], ids=["header", "bearer"]
)
def test_admin_settings_with_the_key_mask_secrets(secured: TestClient, headers: dict[str, str]):
    response = secured.get("/admin/settings", headers=headers)
    assert response.status_code == 200
    shown = response.json()
    assert shown["api_key"] == MASK and shown["milvus_token"] == ""
    assert shown["admin_endpoints"] is True and shown["max_request_bytes"] == BODY_LIMIT
    assert KEY not in response.text


def test_read_endpoints_stay_open(secured: TestClient):
    assert secured.get("/health").status_code == 200
    assert secured.get("/collections").json() == []
    # A domain 404 from a read route, not an auth error.
    assert secured.get("/collections/nope").status_code == 404


def test_admin_routes_are_absent_unless_enabled(tmp_path: Path):
    app = create_app(settings_for(tmp_path, api_key=SecretStr(KEY)))
    assert not [path for path in app.openapi()["paths"] if path.startswith("/admin")]
    # No lifespan needed: an unmounted route is a 404 before anything opens.
    response = TestClient(app).get("/admin/settings", headers={"X-API-Key": KEY})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "CORPUSMAP_API_KEY"),
        ("short", "16"),
        (" " * 15 + "x", "16"),
        (" " * 20, "CORPUSMAP_API_KEY"),
    ],
)
def test_refuses_to_start_admin_endpoints_without_a_usable_key(
    tmp_path: Path, key: str, message: str
):
    settings = settings_for(tmp_path, admin_endpoints=True, api_key=SecretStr(key))
    with pytest.raises(ConfigError, match=message):
        create_app(settings)


def test_a_key_read_with_surrounding_whitespace_is_stripped(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, api_key=f"  {KEY}\n")  # type: ignore[arg-type]
    assert settings.api_key.get_secret_value() == KEY


def test_body_over_the_limit_by_content_length_is_413(secured: TestClient):
    response = secured.post("/collections/nope/search", json={"query": "x" * BODY_LIMIT})
    assert response.status_code == 413
    assert response.json()["error"] == "RequestTooLarge"
    assert str(BODY_LIMIT) in response.json()["detail"]
    # Refused before routing, still counted under its route template.
    metrics = secured.get("/metrics").text
    assert 'route="/collections/{name}/search",status="413"' in metrics


def _chunks(total: int, size: int = 512) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


def test_streamed_body_over_the_limit_is_413(secured: TestClient):
    # A generator body goes out chunked: no Content-Length to check up front.
    response = secured.post(
        "/collections/nope/search",
        content=_chunks(BODY_LIMIT * 4),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413 and response.json()["error"] == "RequestTooLarge"


def test_streamed_body_under_the_limit_reaches_the_route(secured: TestClient):
    def body() -> Iterator[bytes]:
        yield b'{"query": '
        yield b'"golf club"}'

    response = secured.post(
        "/collections/nope/search", content=body(), headers={"content-type": "application/json"}
    )
    # The route parsed the replayed body (a missing body would be a 422) and looked
    # the collection up.
    assert response.status_code == 404, response.text


def test_cors_preflight_and_simple_requests(secured: TestClient):
    preflight = secured.options(
        "/collections/nope/search",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-request-id",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    simple = secured.get("/collections", headers={"Origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
    other = secured.get("/collections", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    refused = secured.options(
        "/collections",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert refused.status_code == 400


def test_no_cors_headers_by_default(tmp_path: Path):
    client = TestClient(create_app(settings_for(tmp_path)))
    response = client.get("/openapi.json", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path):
    settings = settings_for(tmp_path, rate_limit_per_minute=60, rate_limit_burst=3)
    # No lifespan: the limit sits in front of every route, /openapi.json needs no store.
    client = TestClient(create_app(settings))
    assert [client.get("/openapi.json").status_code for _ in range(3)] == [200] * 3
    limited = client.get("/openapi.json")
    assert limited.status_code == 429
    assert limited.json()["error"] == "RateLimited"
    assert limited.headers["Retry-After"] == "1"  # 60 a minute: one token a second
    assert limited.headers["X-Request-ID"]
    # Probes and scrapes are never limited.
    assert client.get("/metrics").status_code == 200
    assert client.get("/ready").status_code == 503  # no lifespan: not ready, not limited


def test_token_buckets_refill_per_client_and_stay_bounded():
    now = [0.0]
    buckets = TokenBuckets(per_minute=30, burst=2, max_keys=3, clock=lambda: now[0])
    assert buckets.take("a") == 0 and buckets.take("a") == 0
    assert buckets.take("a") == pytest.approx(2.0)  # 30 a minute: a token every 2 s
    assert buckets.take("b") == 0  # another client has its own bucket
    now[0] += 2.0
    assert buckets.take("a") == 0
    for client in ("c", "d", "e"):
        buckets.take(client)
    assert len(buckets._buckets) == 3

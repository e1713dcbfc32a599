"""Settings: one pydantic-settings class, read from `CORPUSMAP_*` variables and flags."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from corpusmap.config.defaults import (
    CHUNK_SIZE,
    DEFAULT_BACKEND,
    DEFAULT_FUSION,
    DEFAULT_HYBRID_ALPHA,
    DEFAULT_MODEL,
    DEFAULT_SEED,
    HNSW_EF,
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    INSERT_BATCH_SIZE,
    IVF_NLIST,
    IVF_NPROBE,
    KEYWORD_COMPOUNDS,
    MAX_OUTLIER_SHARE,
    MAX_TEXT_CHARS,
    RAY_SHARDS_DIR,
    SERVER_SCHEMES,
    TOPIC_SAMPLE_SIZE,
    Backend,
    FusionMethod,
    QueryBackend,
    VectorIndex,
)


class Settings(BaseSettings):
    """Every setting of corpusmap; each is also the env variable `CORPUSMAP_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="CORPUSMAP_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the builds (builds/<collection>/<build>/: the Milvus Lite "
        "file, documents, topics, topic model and report) and the embedding cache (cache/).",
    )
    milvus_uri: str = Field(
        default="",
        description="Milvus server URI (http://host:19530); empty for Milvus Lite, one file "
        "per build under <data_dir>/builds.",
    )
    milvus_token: SecretStr = Field(
        default=SecretStr(""), description="Milvus token (user:password) for a server."
    )
    model: str = Field(
        default=DEFAULT_MODEL,
        description="Embedding model: minilm, patentsberta, mpnet, a hub id or a local folder.",
    )
    device: str | None = Field(default=None, description="torch device; default: auto.")
    batch_size: int | None = Field(
        default=None,
        ge=1,
        le=4096,
        description="Embedding batch size; default 16 on the CPU (the fastest measured: "
        "docs/benchmarks.md), 64 on a GPU. onnx-int8 always embeds one text at a time, so "
        "that a vector does not depend on its batch-mates.",
    )
    backend: Backend = Field(
        default=DEFAULT_BACKEND,
        description="Embedding runtime: torch (sentence-transformers), auto (openvino on "
        "the CPU where it is installed, torch on a GPU), onnx (ONNX Runtime fp32, the same "
        "vectors as torch), onnx-int8 (int8 weights: faster than torch, slightly different "
        "vectors) or openvino (OpenVINO on the CPU: bfloat16 where the CPU has bfloat16 "
        "units, else fp32; vectors within 1e-4 cosine of torch's); exports are cached on "
        "disk. Measured speeds and quality: docs/benchmarks.md.",
    )
    vector_index: VectorIndex = Field(
        default=VectorIndex.AUTO,
        description="Vector index of new collections on a Milvus server: auto (the server's "
        "AUTOINDEX), flat (exact), hnsw or ivf_flat, with the parameters below; recorded "
        "per collection, and its searches use it. Milvus Lite is always flat (exact).",
    )
    hnsw_m: int = Field(default=HNSW_M, ge=4, le=64, description="HNSW graph degree (M).")
    hnsw_ef_construction: int = Field(
        default=HNSW_EF_CONSTRUCTION, ge=8, le=512, description="HNSW efConstruction."
    )
    hnsw_ef: int = Field(
        default=HNSW_EF, ge=1, le=32768, description="HNSW ef: candidates per search."
    )
    ivf_nlist: int = Field(default=IVF_NLIST, ge=1, le=65536, description="IVF clusters (nlist).")
    ivf_nprobe: int = Field(
        default=IVF_NPROBE, ge=1, le=65536, description="IVF clusters probed per search."
    )
    query_backend: QueryBackend = Field(
        default=QueryBackend.AUTO,
        description="Runtime that embeds search queries: auto (ONNX Runtime fp32 on the CPU, "
        "the same vectors as torch within 1e-5 cosine, exported once and cached; torch on "
        "a GPU), torch or onnx. With backend onnx or onnx-int8, queries use that backend "
        "(openvino leaves them to this setting: slower than ONNX Runtime on one query).",
    )
    embed_processes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Worker processes that embed documents at index time (torch backend; "
        "sentence-transformers' multi-process pool, the CPU threads shared between them). "
        "1: embed in the indexer's own process.",
    )
    ray_address: str | None = Field(
        default=None,
        description="Embed an index run on Ray Data instead of in the indexer's process: "
        "'auto' (the Ray cluster this machine belongs to), 'local' (a Ray started on this "
        "machine for the run), or a cluster address (host:6379, ray://host:10001). Needs "
        "the `ray` extra. Vectors land in Parquet shards under <data_dir>/ray_shards and "
        "in the embedding cache; the indexer then loads Milvus as usual. Unset: no Ray.",
    )
    ray_actors: int = Field(
        default=0,
        ge=0,
        le=4096,
        description="Embedder actors of a Ray run (each loads the model; one GPU each when "
        "the cluster has GPUs, else one CPU each). 0: one per GPU of the cluster, or one "
        "per CPU when it has none.",
    )
    insert_batch_size: int = Field(
        default=INSERT_BATCH_SIZE,
        ge=1,
        le=5000,
        description="Rows per Milvus insert (Milvus Lite slows down sharply with large "
        "inserts, hence the cap).",
    )
    max_text_chars: int = Field(
        default=MAX_TEXT_CHARS, ge=100, description="Text kept per document in Milvus (chars)."
    )
    passages: bool = Field(
        default=True,
        description="Split texts longer than the model's token window into passages "
        "(searched separately, rolled up to documents); off: the model truncates.",
    )
    metadata_filter_fields: list[str] = Field(
        default_factory=list,
        description='Metadata fields searches may filter on (JSON list, e.g. ["category"]).',
    )
    hybrid_fusion: FusionMethod = Field(
        default=DEFAULT_FUSION,
        description="How hybrid search fuses dense and BM25 rankings: adaptive (normalised "
        "scores, weighted per query by BM25's best score per query term: dense leads for "
        "questions of common words, BM25 for rare words it matches), agreement (BM25's "
        "weight set by how much the rankings agree), convex (fixed weights, normalised "
        "scores) or rrf (reciprocal rank fusion).",
    )
    hybrid_alpha: float = Field(
        default=DEFAULT_HYBRID_ALPHA,
        ge=0.0,
        le=1.0,
        description="Weight of dense scores in convex fusion.",
    )
    keyword_compounds: bool = Field(
        default=KEYWORD_COMPOUNDS,
        description="Match compounds on the keyword side: a query word the collection "
        "writes as two words ('curveballs': 'curve ball') adds them, two query words it "
        "writes as one ('base plate': 'baseplate') add that; learnt from the collection's "
        "own vocabulary (docs/retrieval.md).",
    )
    seed: int = Field(default=DEFAULT_SEED, description="Seed for topic fitting.")
    chunk_size: int = Field(
        default=CHUNK_SIZE,
        ge=1,
        le=100_000,
        description="Documents embedded, cached and inserted per step of an index run "
        "(the model sorts each chunk by length, so bigger chunks pad less).",
    )
    keep_builds: int = Field(
        default=3,
        ge=1,
        description="Complete builds kept per collection, the published one included; "
        "older ones (and failed ones) are deleted after each publish.",
    )
    drift_threshold: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="`index --add` suggests a topic refit when more than this share of "
        "the new documents fits no existing topic.",
    )
    reload_interval_s: float = Field(
        default=2.0,
        ge=0.0,
        description="How often the API looks for newly published builds (0: only on "
        "POST /admin/reload).",
    )
    min_topic_size: int | None = Field(
        default=None, ge=2, description="Smallest topic; default: from the corpus size."
    )
    max_outlier_share: float = Field(
        default=MAX_OUTLIER_SHARE,
        ge=0.0,
        le=1.0,
        description="Most documents left in the outlier topic -1 after a fit: outliers "
        "nearest a topic centroid are reassigned to it until at most this share is left.",
    )

    topic_sample_size: int = Field(
        default=TOPIC_SAMPLE_SIZE,
        ge=0,
        description="Above this many documents, topics are clustered on a sample of this "
        "size (chosen by a hash of the document id, not the seed) and every other "
        "document goes to its nearest topic vector, in batches: memory stays bounded. "
        "0: always cluster every document.",
    )

    api_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key for the API's admin endpoints (header X-API-Key or "
        "Authorization: Bearer); at least 16 characters. Read endpoints need none.",
    )
    admin_endpoints: bool = Field(
        default=False,
        description="Mount the admin endpoints (/admin/...); the API refuses to start "
        "with them on and no api_key.",
    )
    max_request_bytes: int = Field(
        default=1_048_576,
        ge=0,
        description="Largest request body the API accepts (413 above it); 0: no limit.",
    )
    rate_limit_per_minute: int = Field(
        default=0,
        ge=0,
        description="Requests per minute per client IP (token bucket, 429 above it); "
        "0: off. /health, /ready and /metrics are never limited.",
    )
    rate_limit_burst: int = Field(
        default=20, ge=1, description="Requests a client may send at once (bucket size)."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins browsers may call the API from (JSON list, e.g. "
        '["https://ui.example"], ["*"] for any); empty: no CORS headers.',
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="API log lines: text, or one JSON object per line."
    )

    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where the API is reached; written reports link documents there.",
    )

    @field_validator("api_key")
    @classmethod
    def _key_without_whitespace(cls, value: SecretStr) -> SecretStr:
        # A header never carries surrounding whitespace: a key with it could never match.
        return SecretStr(value.get_secret_value().strip())

    @field_validator("milvus_uri")
    @classmethod
    def _server_uri_or_empty(cls, value: str) -> str:
        if value and not value.startswith(SERVER_SCHEMES):
            raise ValueError(
                f"milvus_uri must be a server URI ({', '.join(SERVER_SCHEMES)}...) or empty for "
                f"Milvus Lite (builds live under data_dir), got {value!r}"
            )
        return value

    def with_overrides(self, **overrides: Any) -> Settings:
        """These settings with some fields replaced, validated like any other source
        (`None` leaves a field as it is): a bad flag fails as a bad variable would."""
        values = self.model_dump() | {k: v for k, v in overrides.items() if v is not None}
        return type(self).model_validate(values)

    def to_environ(self) -> dict[str, str]:
        """Every set field as the `CORPUSMAP_*` variable that reads back to it, secrets
        included: how a server hands these settings to worker processes."""
        env = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, list | dict | bool):
                value = json.dumps(value)
            env[f"CORPUSMAP_{name.upper()}"] = str(value)
        return env

    def cache_dir(self) -> Path:
        """Where the embedding cache lives."""
        return self.data_dir / "cache" / "embeddings"

    def ray_shards_dir(self) -> Path:
        """Where a Ray run's actors write their vectors (one folder per run key)."""
        return self.data_dir / RAY_SHARDS_DIR

    def uses_lite(self) -> bool:
        """Whether builds are Milvus Lite files (no server URI set)."""
        return not self.milvus_uri


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use (never at import)."""
    return Settings()

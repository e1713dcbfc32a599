"""Settings: one pydantic-settings class, read from `CORPUSMAP_*` variables and flags."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from corpusmap.ranking import Fusion


class Settings(BaseSettings):
    """Every setting of corpusmap; each is also the env variable `CORPUSMAP_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="CORPUSMAP_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Folder for the Milvus Lite file, topic models and reports.",
    )
    milvus_uri: str = Field(
        default="",
        description="Milvus URI: empty for Milvus Lite at <data_dir>/milvus.db, a .db path "
        "for another Lite file, or http://host:19530 for a Milvus server.",
    )
    milvus_token: SecretStr = Field(
        default=SecretStr(""), description="Milvus token (user:password) for a server."
    )
    model: str = Field(
        default="minilm",
        description="Embedding model: minilm, patentsberta, mpnet, a hub id or a local folder.",
    )
    device: str | None = Field(default=None, description="torch device; default: auto.")
    batch_size: int = Field(default=64, ge=1, le=4096, description="Embedding batch size.")
    insert_batch_size: int = Field(
        default=1000,
        ge=1,
        le=5000,
        description="Rows per Milvus insert (Lite collapses at 5,000; 500-2,000 is fast).",
    )
    max_text_chars: int = Field(
        default=20000, ge=100, description="Text kept per document in Milvus (chars)."
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
    hybrid_fusion: Literal["convex", "rrf"] = Field(
        default="convex",
        description="How hybrid search fuses dense and BM25 rankings: convex (weighted, "
        "normalised scores) or rrf (reciprocal rank fusion).",
    )
    hybrid_alpha: float = Field(
        default=0.8, ge=0.0, le=1.0, description="Weight of dense scores in convex fusion."
    )
    seed: int = Field(default=42, description="Seed for topic fitting.")
    min_topic_size: int | None = Field(
        default=None, ge=2, description="Smallest topic; default: from the corpus size."
    )
    max_outlier_share: float = Field(
        default=0.10,
        ge=0.0,
        le=1.0,
        description="Most documents left in the outlier topic -1 after a fit: outliers "
        "nearest a topic centroid are reassigned to it until at most this share is left.",
    )

    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where the API is reached; written reports link documents there.",
    )

    def fusion(self) -> Fusion:
        """The hybrid search fusion these settings ask for."""
        return Fusion(method=self.hybrid_fusion, alpha=self.hybrid_alpha)

    def resolved_milvus_uri(self) -> str:
        """The Milvus URI to open: the Lite file under data_dir unless one is set."""
        if self.milvus_uri:
            return self.milvus_uri
        return str(self.data_dir / "milvus.db")

    def report_path(self, collection: str) -> Path:
        """Where the HTML topic report of a collection is written."""
        return self.data_dir / "reports" / f"{collection}.html"

    def topics_dir(self, collection: str) -> Path:
        """Where the saved topic model of a collection lives."""
        return self.data_dir / "topics" / collection


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, built on first use (never at import)."""
    return Settings()

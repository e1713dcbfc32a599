"""Settings and defaults: one pydantic-settings class read from `CORPUSMAP_*` variables.

Public API: `Settings`, `get_settings`, the enums `SearchMode`, `FusionMethod`,
`Backend`, the named defaults of `corpusmap.config.defaults`, and `masked_settings` /
`as_env_lines` (the effective settings with secrets masked).
"""

from corpusmap.config.defaults import (
    CHUNK_SIZE,
    CPU_BATCH_SIZE,
    DEFAULT_FUSION,
    DEFAULT_MODE,
    GPU_BATCH_SIZE,
    INT8_BATCH_SIZE,
    LABEL_COHERENCE_FLOOR,
    MAX_OUTLIER_SHARE,
    MAX_SEARCH_DEPTH,
    MAX_TEXT_CHARS,
    MAX_TOPIC_SHARE,
    SCORE_KINDS,
    SERVER_SCHEMES,
    SIMILAR_SCORE_KIND,
    Backend,
    FusionMethod,
    SearchMode,
    VectorIndex,
)
from corpusmap.config.settings import Settings, get_settings
from corpusmap.config.view import MASK, as_env_lines, masked_settings

__all__ = [
    "CHUNK_SIZE",
    "CPU_BATCH_SIZE",
    "DEFAULT_FUSION",
    "DEFAULT_MODE",
    "GPU_BATCH_SIZE",
    "INT8_BATCH_SIZE",
    "LABEL_COHERENCE_FLOOR",
    "MASK",
    "MAX_OUTLIER_SHARE",
    "MAX_SEARCH_DEPTH",
    "MAX_TEXT_CHARS",
    "MAX_TOPIC_SHARE",
    "SCORE_KINDS",
    "SERVER_SCHEMES",
    "SIMILAR_SCORE_KIND",
    "Backend",
    "FusionMethod",
    "SearchMode",
    "Settings",
    "VectorIndex",
    "as_env_lines",
    "get_settings",
    "masked_settings",
]

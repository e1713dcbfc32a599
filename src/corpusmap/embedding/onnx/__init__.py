"""ONNX Runtime backends for the `Embedder`: `onnx` (fp32) and `onnx-int8`.

Public API: `OnnxEncoder`, `ensure_export`, `export_fp32`, `quantize_int8`,
`cache_root`, `cache_dir_for`, `model_fingerprint`, `ONNX_BACKENDS`.
"""

from corpusmap.embedding.onnx.encoder import OnnxEncoder
from corpusmap.embedding.onnx.export import (
    ONNX_BACKENDS,
    cache_dir_for,
    cache_root,
    ensure_export,
    export_fp32,
    model_fingerprint,
)
from corpusmap.embedding.onnx.quantize import quantize_int8

__all__ = [
    "ONNX_BACKENDS",
    "OnnxEncoder",
    "cache_dir_for",
    "cache_root",
    "ensure_export",
    "export_fp32",
    "model_fingerprint",
    "quantize_int8",
]

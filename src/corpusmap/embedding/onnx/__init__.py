"""Exported-graph backends for the `Embedder`: ONNX Runtime `onnx` (fp32) and
`onnx-int8`, and `openvino` (OpenVINO running the fp32 export).

Public API: `OnnxEncoder`, `ensure_export`, `export_fp32`, `quantize_int8`,
`cache_root`, `cache_dir_for`, `model_fingerprint`, `ONNX_BACKENDS`, `OpenVinoSession`,
`openvino_available`.
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
from corpusmap.embedding.onnx.openvino import OpenVinoSession, openvino_available
from corpusmap.embedding.onnx.quantize import quantize_int8

__all__ = [
    "ONNX_BACKENDS",
    "OnnxEncoder",
    "OpenVinoSession",
    "cache_dir_for",
    "cache_root",
    "ensure_export",
    "export_fp32",
    "model_fingerprint",
    "openvino_available",
    "quantize_int8",
]

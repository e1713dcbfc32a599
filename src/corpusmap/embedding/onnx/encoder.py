"""An ONNX Runtime (or OpenVINO) session that encodes texts as the torch `Embedder` does."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from corpusmap.embedding.batching import Vectors, length_sorted_batches
from corpusmap.embedding.onnx.export import ensure_export, input_names
from corpusmap.embedding.onnx.openvino import OpenVinoSession

log = logging.getLogger(__name__)


class OnnxEncoder:
    """Encodes texts with an ONNX Runtime session, tokenised as sentence-transformers does.

    Texts are sorted by token count and padded per batch only to that batch's longest,
    so short texts do not pay for long ones; vectors come back in the input order.
    """

    def __init__(
        self, name: str, model: Any, backend: str, *, batch_size: int, root: Path | None = None
    ) -> None:
        import onnxruntime as ort
        import torch

        self.path = ensure_export(name, model, backend, root)
        self.batch_size = batch_size
        self.sort_by_length = True
        self.dimension = int(model.get_embedding_dimension())
        self._tokenizer = model.tokenizer
        self._max_length = int(model.max_seq_length)
        self._lower = bool(getattr(model[0], "do_lower_case", False))
        self._prompts: dict[str, str] = dict(getattr(model, "prompts", None) or {})
        self._names = input_names(model)
        self._pad_id = int(self._tokenizer.pad_token_id or 0)
        # The same thread count as torch, so the backends compare like for like and
        # OMP_NUM_THREADS / torch.set_num_threads limit all of them.
        threads = torch.get_num_threads()
        self._session: Any
        if backend == "openvino":
            self._session = OpenVinoSession(self.path, threads)
            log.info("OpenVINO computes %s's vectors in %s", name, self._session.precision)
            return
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(
            str(self.path), options, providers=["CPUExecutionProvider"]
        )

    def encode(
        self,
        texts: Sequence[str],
        kind: Literal["document", "query"],
        on_batch: Callable[[int], None] | None = None,
    ) -> Vectors:
        """L2-normalised float32 vectors of `texts`, with the model's prompt for `kind`;
        `on_batch(n)` is told of each batch of `n` texts done."""
        prompt = self._prompts.get(kind, "")
        inputs = [prompt + t for t in texts]
        if self._lower:
            inputs = [t.lower() for t in inputs]
        encoded = self._tokenizer(
            inputs, truncation="longest_first", max_length=self._max_length, padding=False
        )
        ids: list[list[int]] = encoded["input_ids"]
        types: list[list[int]] | None = encoded.get("token_type_ids")
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        for batch in self._batches([len(x) for x in ids]):
            out[batch] = self._session.run(None, self._feed(batch, ids, types))[0]
            if on_batch is not None:
                on_batch(len(batch))
        return out

    def _batches(self, lengths: list[int]) -> Iterator[npt.NDArray[np.intp]]:
        """Indices of each batch, longest texts first. Sorting made fp32 1.5-2x faster on
        mixed BEIR texts and claims (`bench.encoding`)."""
        if self.sort_by_length:  # a switch only so the benchmark can measure it
            yield from length_sorted_batches(lengths, self.batch_size)
            return
        order = np.arange(len(lengths))
        for start in range(0, len(order), self.batch_size):
            yield order[start : start + self.batch_size]

    def _feed(
        self, batch: npt.NDArray[np.intp], ids: list[list[int]], types: list[list[int]] | None
    ) -> dict[str, npt.NDArray[np.int64]]:
        """The padded int64 input arrays of one batch, named as the graph expects."""
        width = max(len(ids[i]) for i in batch)
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        token_types = np.zeros((len(batch), width), dtype=np.int64)
        for row, i in enumerate(batch):
            input_ids[row, : len(ids[i])] = ids[i]
            mask[row, : len(ids[i])] = 1
            if types is not None:
                token_types[row, : len(ids[i])] = types[i]
        arrays = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": token_types}
        return {n: arrays[n] for n in self._names}

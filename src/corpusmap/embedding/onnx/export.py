"""ONNX Runtime backends for the `Embedder`: `onnx` (fp32) and `onnx-int8`.

One graph maps token ids to the finished vector: the model's transformer, then its
pooling (mean, CLS or max, as its `Pooling` module says) and L2 normalisation. It is
exported with `torch.onnx.export` from the already loaded sentence-transformers model
(sentence-transformers' own ONNX path needs optimum, which transformers 5 breaks).
`onnx-int8` is that graph with its MatMul weights quantised to int8 per output
channel by onnxruntime's dynamic quantisation (activations are quantised on the fly).

Exports are cached on disk, so a model is exported once per machine:
`$CORPUSMAP_ONNX_CACHE` if set, else `$XDG_CACHE_HOME/corpusmap/onnx` (default
`~/.cache/corpusmap/onnx`), then `<model-slug>-<fingerprint>/<backend>.onnx`. The
fingerprint hashes the model's weights and configuration and the torch, transformers
and onnxruntime versions, so a changed model or library never reuses a stale export.
Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

from corpusmap.embedding.onnx.quantize import quantize_int8
from corpusmap.errors import ConfigError, ModelLoadError
from corpusmap.files import atomic_path

log = logging.getLogger(__name__)

#: The exported file each backend runs: OpenVINO compiles the fp32 export itself.
_EXPORT_FILE = {"onnx": "onnx", "onnx-int8": "onnx-int8", "openvino": "onnx"}
ONNX_BACKENDS: tuple[str, ...] = tuple(_EXPORT_FILE)

#: Bump when the exported graph changes, so old cache entries are not reused.
_EXPORT_FORMAT = 1
_OPSET = 17
_POOLING_MODES = ("mean", "cls", "max")


def cache_root() -> Path:
    """The folder exported models are cached under (see the module docstring)."""
    if explicit := os.environ.get("CORPUSMAP_ONNX_CACHE"):
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "corpusmap" / "onnx"


def _pipeline(model: Any) -> tuple[Any, str]:
    """The transformer module and pooling mode of a Transformer -> Pooling [-> Normalize]
    model; anything else cannot be expressed by this export and is refused."""
    kinds = [type(module).__name__ for module in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ModelLoadError(
            f"the ONNX backends support Transformer -> Pooling [-> Normalize] models; this one "
            f"is {' -> '.join(kinds)}. Use CORPUSMAP_BACKEND=torch."
        )
    pooling = model[1]
    mode = str(pooling.pooling_mode)
    if mode not in _POOLING_MODES or not getattr(pooling, "include_prompt", True):
        raise ModelLoadError(
            f"the ONNX backends support {', '.join(_POOLING_MODES)} pooling over the whole "
            f"input; this model pools with {mode!r}. Use CORPUSMAP_BACKEND=torch."
        )
    return model[0], mode


def model_fingerprint(model: Any) -> str:
    """A short hash of everything an export depends on: weights, config, libraries."""
    transformer, mode = _pipeline(model)
    digest = hashlib.sha256()
    parts = [
        f"format={_EXPORT_FORMAT}",
        f"pooling={mode}",
        f"max_seq_length={model.max_seq_length}",
        transformer.auto_model.config.to_json_string(),
        *(f"{p}={version(p)}" for p in ("torch", "transformers", "onnxruntime")),
    ]
    for part in parts:
        digest.update(part.encode())
    for name, tensor in transformer.auto_model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def cache_dir_for(name: str, model: Any, root: Path | None = None) -> Path:
    """The cache folder of one model: a readable slug of its name plus its fingerprint."""
    slug = re.sub(r"[^A-Za-z0-9._]+", "-", name).strip("-.")[-60:] or "model"
    return (root or cache_root()) / f"{slug}-{model_fingerprint(model)}"


def _export_module(model: Any) -> Any:
    """A torch module: token ids -> the transformer -> pooling -> L2-normalised vector."""
    import torch

    transformer, mode = _pipeline(model)
    auto_model = transformer.auto_model

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.auto_model = auto_model

        def forward(self, input_ids: Any, attention_mask: Any, *extra: Any) -> Any:
            kwargs = {"token_type_ids": extra[0]} if extra else {}
            hidden = self.auto_model(
                input_ids=input_ids, attention_mask=attention_mask, **kwargs
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            if mode == "cls":
                pooled = hidden[:, 0]
            elif mode == "max":
                pooled = torch.where(mask > 0, hidden, torch.finfo(hidden.dtype).min).amax(1)
            else:
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    return Encoder().eval()


def input_names(model: Any) -> list[str]:
    """The tokenizer outputs the model takes (BERT has token_type_ids, MPNet does not)."""
    sample = model.tokenizer(["a"], return_tensors="np")
    names = ["input_ids", "attention_mask"]
    return names + (["token_type_ids"] if "token_type_ids" in sample else [])


def export_fp32(model: Any, path: Path) -> None:
    """Export the fp32 graph to `path` (written atomically)."""
    import torch

    transformer, _ = _pipeline(model)
    names = input_names(model)
    sample = model.tokenizer(["a short text", "a somewhat longer text"], padding=True)
    device = transformer.auto_model.device  # the model may sit on a GPU
    args = tuple(torch.tensor(sample[n], dtype=torch.long, device=device) for n in names)
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"embedding": {0: "batch"}}
    # Eager attention traces to the MatMul/Softmax pattern that onnxruntime fuses into
    # its Attention kernel; the SDPA trace is not fused and runs slower.
    previous = transformer.auto_model.config._attn_implementation
    transformer.auto_model.set_attn_implementation("eager")
    try:
        with atomic_path(path, ".onnx.tmp") as tmp, torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer and legacy-exporter notices
            # dynamo=False: the TorchScript exporter; the dynamo one needs onnxscript.
            torch.onnx.export(
                _export_module(model),
                args,
                str(tmp),
                input_names=names,
                output_names=["embedding"],
                dynamic_axes=axes,
                opset_version=_OPSET,
                dynamo=False,
            )
    finally:
        transformer.auto_model.set_attn_implementation(previous)


def ensure_export(name: str, model: Any, backend: str, root: Path | None = None) -> Path:
    """The cached ONNX file of a model and backend, exported (and quantised) if missing."""
    if backend not in ONNX_BACKENDS:
        raise ConfigError(
            f"unknown embedding backend {backend!r}; use auto, torch, onnx, onnx-int8 or openvino"
        )
    folder = cache_dir_for(name, model, root)
    fp32, target = folder / "onnx.onnx", folder / f"{_EXPORT_FILE[backend]}.onnx"
    try:
        if not fp32.exists():
            log.info("exporting %s to ONNX in %s (once per model)", name, folder)
            export_fp32(model, fp32)
        if not target.exists():
            log.info("quantising %s to int8 in %s (once per model)", name, folder)
            quantize_int8(fp32, target)
    except (OSError, RuntimeError) as exc:  # a full disk, an export the tracer rejects
        raise ModelLoadError(
            f"cannot export model {name!r} for the {backend} backend into {folder}: {exc}. "
            "Use CORPUSMAP_BACKEND=torch, or set CORPUSMAP_ONNX_CACHE to a writable folder."
        ) from exc
    return target

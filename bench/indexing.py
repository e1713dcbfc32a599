"""Indexing throughput: `corpusmap index` docs/s versus raw encode on the same documents.

Both run as child processes on the first 5,000 of the 6,186 PatentsView abstracts
(title + abstract; all rows are valid) with the same model and batch size; the
ratio is what to read (this machine is noisy). Peak RSS is the larger child's. The
pipeline runs once per backend of `BACKENDS` (top-level figures: torch, the default).
Run: `.venv/bin/python -m bench.indexing`.
"""

from __future__ import annotations

import json
import tempfile

from bench.common import SHARED_DATA, run_child, write_result
from corpusmap.config import CPU_BATCH_SIZE

FILES = [
    SHARED_DATA / "patents" / "abstracts_neural_network.csv",
    SHARED_DATA / "patents" / "abstracts_baseball.csv",
]
MODEL = "minilm"
DOCS = 5000
BATCH = str(CPU_BATCH_SIZE)  # the pipeline's default here; raw encode gets the same


#: The backends whose pipeline is timed: the default, and OpenVINO (what `auto` picks on
#: a CPU; bench.encoding compares the encoders alone).
BACKENDS = ("torch", "openvino")


def pipeline(files: list[str], backend: str) -> tuple[dict, float]:
    """`corpusmap index` in a child process on `backend`: its summary and peak RSS."""
    with tempfile.TemporaryDirectory() as data_dir:
        out, rss = run_child(
            [
                "-m",
                "indexer",
                "--data-dir",
                data_dir,
                "index",
                *files,
                "--preset",
                "patentsview-abstracts",
                "--collection",
                "bench",
                "--no-topics",
                "--limit",
                str(DOCS),
                "--model",
                MODEL,
            ],
            env={
                "CORPUSMAP_BATCH_SIZE": BATCH,
                "HF_HUB_OFFLINE": "1",
                "CORPUSMAP_BACKEND": backend,
            },
        )
    return json.loads(out), rss


def main() -> None:
    """Measure raw encode, then the pipeline per backend; write bench/results/indexing.json."""
    files = [str(p) for p in FILES]
    raw_out, raw_rss = run_child(["-m", "bench.raw_encode", MODEL, BATCH, str(DOCS), *files])
    raw = json.loads(raw_out)
    runs = {backend: pipeline(files, backend) for backend in BACKENDS}
    for summary, _ in runs.values():
        if summary["documents"] != raw["docs"]:
            raise RuntimeError(f"indexed {summary['documents']} documents, encoded {raw['docs']}")
    summary, pipeline_rss = runs["torch"]
    write_result(
        "indexing",
        {
            "docs": summary["documents"],
            "model": MODEL,
            "pipeline_docs_per_s": summary["docs_per_s"],
            "raw_encode_docs_per_s": round(raw["docs_per_s"], 1),
            "ratio": round(summary["docs_per_s"] / raw["docs_per_s"], 3),
            "batch_size": int(BATCH),
            "peak_rss_mb": round(max(raw_rss, pipeline_rss), 1),
            "pipeline_peak_rss_mb": round(pipeline_rss, 1),
            "backends": {
                backend: {
                    "pipeline_docs_per_s": s["docs_per_s"],
                    "ratio": round(s["docs_per_s"] / raw["docs_per_s"], 3),
                    "pipeline_peak_rss_mb": round(rss, 1),
                }
                for backend, (s, rss) in runs.items()
            },
        },
    )


if __name__ == "__main__":
    main()

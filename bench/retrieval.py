"""Retrieval quality on the shared BEIR subsets: exact vs dense vs keyword vs hybrid.

Indexes each corpus once (MiniLM, passages on), runs the 50 judged queries through
the real search path in each mode and exact numpy search in the same run, and
writes bench/results/retrieval.json. Run: `.venv/bin/python -m bench.retrieval`.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from bench.common import SHARED_DATA, write_result
from corpusmap.config import Settings
from indexer.commands import run_eval

DATASETS = ["msmarco_5k", "dbpedia_5k"]
MODES = ["dense", "keyword", "hybrid"]


def main() -> None:
    """Evaluate every dataset and write the results.

    BENCH_DATA_DIR keeps the indexes there for the next run (default: a temp dir).
    """
    figures: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = os.environ.get("BENCH_DATA_DIR") or scratch
        settings = Settings(data_dir=Path(data_dir), milvus_uri="", model="minilm")
        for dataset in DATASETS:
            started = time.perf_counter()
            result = run_eval(
                settings, SHARED_DATA / "retrieval" / dataset, collection=None, modes=MODES
            )
            figures[dataset] = {
                key: result[key] for key in ("exact", *MODES, "queries", "documents")
            }
            figures[dataset]["seconds"] = round(time.perf_counter() - started, 1)
            figures[dataset]["fusion"] = asdict(settings.fusion())
            figures[dataset]["dense_minus_exact_ndcg@10"] = round(
                result["dense"]["ndcg@10"] - result["exact"]["ndcg@10"], 4
            )
    write_result("retrieval", figures)


if __name__ == "__main__":
    main()

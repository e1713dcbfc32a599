"""Encoding backends side by side: torch vs ONNX Runtime fp32 vs int8, MiniLM.

Each BEIR subset (msmarco_5k, dbpedia_5k: 10,000 real documents) is encoded once
per backend, in chunks of 500 documents that rotate through the backends (torch,
fp32, int8; then fp32, int8, torch; ...), so load from other processes on this
shared machine falls on all three alike. docs/s is documents over the summed
encoding time of each backend; the vectors it produced are then scored: exact
numpy search over every passage (a document takes its best, as the index does) for
the judged queries, each embedded by the same backend, nDCG@10 by ir-measures.

Also measured: single-query latency per backend (p50 over the judged queries), and
on 1,000 documents what sorting by length buys the fp32 backend.
BENCH_ENCODING_DOCS=N encodes only N documents per corpus (a quick try-out; its
nDCG is not comparable). Writes bench/results/encoding.json. Run:
`.venv/bin/python -m bench.encoding` (exports go to the ONNX cache the first time).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import SHARED_DATA, write_result
from corpusmap.embedding import Embedder
from corpusmap.passages import PassageSplitter
from indexer.evaluate import load_qrels, load_queries, score_run

BACKENDS = {"torch": "torch", "onnx_fp32": "onnx", "onnx_int8": "onnx-int8"}
DATASETS = ["msmarco_5k", "dbpedia_5k"]
CHUNK = 500
BATCH_SIZE = 64
DEPTH = 100
#: Documents per corpus; fewer only to try the script out (nDCG then is not comparable).
LIMIT = int(os.environ.get("BENCH_ENCODING_DOCS", "5000"))


def read_corpus(folder: Path) -> tuple[list[str], list[str]]:
    """Document ids and texts (title and text joined, as the `beir` preset does)."""
    ids, texts = [], []
    # Lines split on newlines only: texts hold U+2028 and the like, which splitlines() cuts.
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").split("\n"):
        if line.strip():
            row = json.loads(line)
            ids.append(str(row["_id"]))
            parts = (str(row.get("title") or ""), str(row.get("text") or ""))
            texts.append("\n\n".join(p for p in parts if p))
    return ids, texts


def encode_interleaved(
    embedders: dict[str, Embedder], passages: list[list[str]]
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Every backend's passage vectors and its summed seconds, chunks rotating backends."""
    names = list(embedders)
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    seconds = dict.fromkeys(names, 0.0)
    for number, start in enumerate(range(0, len(passages), CHUNK)):
        flat = [p for doc in passages[start : start + CHUNK] for p in doc]
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            parts[name].append(embedders[name].embed_documents(flat))
            seconds[name] += time.perf_counter() - started
    return {n: np.concatenate(parts[n]) for n in names}, seconds


def exact_run(
    doc_ids: list[str], passages: list[list[str]], vectors: np.ndarray, queries: np.ndarray
) -> list[dict[str, float]]:
    """The top documents of each query by its best passage, exact brute force."""
    owners = np.repeat(np.arange(len(doc_ids)), [len(p) for p in passages])
    runs = []
    for scores in queries @ vectors.T:
        best = np.full(len(doc_ids), -np.inf, dtype=np.float32)
        np.maximum.at(best, owners, scores)
        top = np.argsort(-best)[:DEPTH]
        runs.append({doc_ids[i]: float(best[i]) for i in top})
    return runs


def query_latency_ms(embedders: dict[str, Embedder], queries: list[str]) -> dict[str, float]:
    """p50 of one `embed_query` call per backend, queries interleaved across backends."""
    times: dict[str, list[float]] = {n: [] for n in embedders}
    for query in queries:
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.embed_query(query)
            times[name].append(1000 * (time.perf_counter() - started))
    return {n: round(float(np.median(t)), 2) for n, t in times.items()}


def batching(embedder: Embedder, texts: list[str], rounds: int = 2) -> dict[str, float]:
    """docs/s of the fp32 backend on the same texts, in input order and sorted by length."""
    encoder = embedder._onnx
    assert encoder is not None
    seconds = {"unsorted": 0.0, "sorted": 0.0}
    for _ in range(rounds):
        for name in seconds:
            encoder.sort_by_length = name == "sorted"
            started = time.perf_counter()
            embedder.embed_documents(texts)
            seconds[name] += time.perf_counter() - started
    encoder.sort_by_length = True
    return {n: round(rounds * len(texts) / s, 1) for n, s in seconds.items()}


@dataclass
class DatasetRun:
    """One corpus encoded by every backend: nDCG@10 and encoding seconds of each."""

    ndcg: dict[str, float]
    seconds: dict[str, float]
    documents: int
    queries: list[str]
    sample: list[str]


def run_dataset(
    embedders: dict[str, Embedder], splitter: PassageSplitter, dataset: str
) -> DatasetRun:
    """Encode a BEIR subset with every backend and score each backend's own vectors."""
    folder = SHARED_DATA / "retrieval" / dataset
    doc_ids, texts = read_corpus(folder)
    doc_ids, texts = doc_ids[:LIMIT], texts[:LIMIT]
    qrels = load_qrels(folder)
    queries = {q: t for q, t in load_queries(folder).items() if q in qrels}
    passages = splitter.split_many(texts)
    vectors, seconds = encode_interleaved(embedders, passages)
    ndcg = {}
    for name, embedder in embedders.items():
        query_vectors = np.stack([embedder.embed_query(t) for t in queries.values()])
        run = exact_run(doc_ids, passages, vectors[name], query_vectors)
        ndcg[name] = score_run(qrels, dict(zip(queries, run, strict=True)))["ndcg@10"]
    print(dataset, ndcg, flush=True)
    return DatasetRun(ndcg, seconds, len(texts), list(queries.values()), texts[:500])


def main() -> None:
    """Encode, score and time every backend; write bench/results/encoding.json."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    load_start = [round(x, 2) for x in os.getloadavg()]
    embedders = {
        n: Embedder("minilm", batch_size=BATCH_SIZE, backend=b) for n, b in BACKENDS.items()
    }
    splitter = PassageSplitter(embedders["torch"].tokenizer, embedders["torch"].passage_tokens)
    for embedder in embedders.values():
        embedder.embed_documents(["warm-up"] * 8)
    runs = {d: run_dataset(embedders, splitter, d) for d in DATASETS}
    docs = sum(r.documents for r in runs.values())
    figures: dict[str, dict] = {
        n: {
            "docs_per_s": round(docs / sum(r.seconds[n] for r in runs.values()), 1),
            "ndcg@10": {d: r.ndcg[n] for d, r in runs.items()},
        }
        for n in BACKENDS
    }
    torch_rate = figures["torch"]["docs_per_s"]
    figures["run"] = {
        "documents": docs,
        # The cores are shared with other work: the load says how busy they were.
        "loadavg_start_end": [load_start, [round(x, 2) for x in os.getloadavg()]],
        "batch_size": BATCH_SIZE,
        "speedup_vs_torch": {n: round(figures[n]["docs_per_s"] / torch_rate, 2) for n in BACKENDS},
        "query_p50_ms": query_latency_ms(embedders, [q for r in runs.values() for q in r.queries]),
        "onnx_fp32_batching_docs_per_s": batching(
            embedders["onnx_fp32"], [t for r in runs.values() for t in r.sample]
        ),
    }
    write_result("encoding", figures)


if __name__ == "__main__":
    main()

"""Encoding backends side by side: torch vs ONNX Runtime fp32 vs int8 vs OpenVINO, MiniLM.

Throughput: the first 750 documents of each shared BEIR set (msmarco_5k, dbpedia_5k,
nfcorpus), split into passages as the index splits them, encoded in chunks of 375 that
rotate through the backends (each chunk starts with another backend), so load from other
processes on this shared machine falls on all alike. docs/s is documents over each
backend's summed encoding time. Backends: `torch` (corpusmap's torch path, batches
sorted by token count), `onnx_fp32`, `onnx_int8` (one text per run), `openvino` (the
fp32 export compiled by OpenVINO: bfloat16 on a CPU with bfloat16 units, what `auto`
picks on a CPU), and for reference
`sentence_transformers` (plain `encode_document`, which sorts by characters).

Quality: every backend's vectors of all 13,633 documents of the three sets, scored by exact numpy
search over every passage (a document takes its best, as the index does) for the
judged queries, each embedded by the same backend, nDCG@10 by ir-measures. They
come through the embedding cache (`bench.synthetic`), so within `make bench` the
torch vectors are the ones `bench.retrieval` already made (the cache keeps each
backend apart; BENCH_DATA_DIR shares it, else a temp dir).

Also measured: single-query latency per backend (p50 over the judged queries), and
on 500 passages (the first and last sets) what sorting by length buys the fp32 backend.
Writes bench/results/encoding.json. Run: `.venv/bin/python -m bench.encoding`
(exports go to the ONNX cache the first time). `--batch-sizes 8,16,32,64` instead
times every backend at those batch sizes on the same 1,500 documents (the default
batch size on the CPU comes from it) and writes bench/results/batch_size.json;
`--int8-batch-sizes 1,8,16,32,64` scores int8 at each batch size
(bench/results/int8_batches.json).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bench.common import SHARED_DATA, write_result
from bench.synthetic import BASE_SETS, base_set_documents, embed_base
from corpusmap.config import Settings
from corpusmap.embedding.embedder import Embedder
from corpusmap.store.passages import PassageSplitter
from indexer.evaluation.retrieval import load_qrels, load_queries, score_run

BACKENDS = {
    "torch": "torch",
    "onnx_fp32": "onnx",
    "onnx_int8": "onnx-int8",
    "openvino": "openvino",
}
#: Every shared BEIR set: the index-throughput target holds its quality bound on each.
SETS = (*BASE_SETS, "nfcorpus")
REFERENCE = "sentence_transformers"
CHUNK = 375
THROUGHPUT_DOCS = 750  # per dataset: 2 chunks each, 6 in all, each encoder first at least once
REFERENCE_BATCH_SIZE = 32  # encode_document's own default
DEPTH = 100


class Encoder(Protocol):
    """What the throughput rotation calls."""

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...


class PlainEncode:
    """sentence-transformers' own `encode_document` (sorts by characters), the reference."""

    def __init__(self, embedder: Embedder):
        self._model = embedder._model

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors as a plain sentence-transformers user gets them."""
        return np.asarray(
            self._model.encode_document(
                list(texts), batch_size=REFERENCE_BATCH_SIZE, normalize_embeddings=True
            )
        )


def throughput(encoders: dict[str, Encoder], chunks: list[list[str]]) -> dict[str, float]:
    """Each encoder's summed seconds over the chunks, the order rotating per chunk."""
    names = list(encoders)
    seconds = dict.fromkeys(names, 0.0)
    for number, flat in enumerate(chunks):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            encoders[name].embed_documents(flat)
            seconds[name] += time.perf_counter() - started
    return seconds


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
    """p50 of one query embedded by each backend's own runtime (openvino's embedders leave
    queries to the query backend: this is why), queries interleaved across backends."""
    times: dict[str, list[float]] = {n: [] for n in embedders}
    for query in queries:
        for name, embedder in embedders.items():
            encoder = embedder._onnx
            started = time.perf_counter()
            if encoder is not None:
                encoder.encode([query], "query")
            else:
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


def ndcg(settings: Settings, embedder: Embedder) -> dict[str, float]:
    """nDCG@10 per dataset of exact search over this backend's vectors of every document."""
    scores = {}
    for dataset in SETS:
        folder = SHARED_DATA / "retrieval" / dataset
        docs = base_set_documents(dataset)
        passages, vectors = embed_base(settings, embedder, docs)
        qrels = load_qrels(folder)
        queries = {q: t for q, t in load_queries(folder).items() if q in qrels}
        query_vectors = np.stack([embedder.embed_query(t) for t in queries.values()])
        run = exact_run([d.id for d in docs], passages, vectors, query_vectors)
        scores[dataset] = score_run(qrels, dict(zip(queries, run, strict=True)))["ndcg@10"]
    print(embedder.backend, scores, flush=True)
    return scores


def throughput_chunks(embedder: Embedder) -> list[list[str]]:
    """The passages of the first THROUGHPUT_DOCS documents of each set, CHUNK documents each."""
    chunks = []
    splitter = PassageSplitter(embedder.tokenizer, embedder.passage_tokens)
    for dataset in SETS:
        texts = [d.text for d in base_set_documents(dataset)[:THROUGHPUT_DOCS]]
        for start in range(0, len(texts), CHUNK):
            split = splitter.split_many(texts[start : start + CHUNK])
            chunks.append([p for doc in split for p in doc])
    return chunks


def all_queries() -> list[str]:
    """The judged queries of every set."""
    queries = []
    for dataset in SETS:
        folder = SHARED_DATA / "retrieval" / dataset
        qrels = load_qrels(folder)
        queries += [t for q, t in load_queries(folder).items() if q in qrels]
    return queries


def batch_sweep(sizes: list[int]) -> None:
    """docs/s of every backend at each batch size, rotating; bench/results/batch_size.json."""
    docs = len(SETS) * THROUGHPUT_DOCS
    rates: dict[str, dict[str, float]] = {}
    for name, backend in BACKENDS.items():
        embedders = {str(n): Embedder("minilm", backend=backend, batch_size=n) for n in sizes}
        for embedder in embedders.values():
            embedder.embed_documents(["warm-up"] * 8)
        chunks = throughput_chunks(next(iter(embedders.values())))
        seconds = throughput(dict(embedders), chunks)
        rates[name] = {n: round(docs / s, 1) for n, s in seconds.items()}
        print(name, rates[name], flush=True)
    write_result("batch_size", {"docs_per_s": rates, "documents": docs})


def int8_quality(sizes: list[int]) -> None:
    """int8's nDCG@10 and cosine to torch at each batch size; bench/results/int8_batches.json.

    Dynamic quantisation scales a batch's activations together, so a text's int8 vector
    depends a little on its batch-mates. Each size embeds into a data folder of its own
    (the embedding cache does not key by batch size); torch's vectors are the reference
    (from BENCH_DATA_DIR's cache when set).
    """
    figures: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        torch_dir = Path(os.environ.get("BENCH_DATA_DIR") or Path(scratch) / "torch")
        reference = Settings(data_dir=torch_dir, milvus_uri="", model="minilm")
        torch_embedder = Embedder("minilm")
        torch_vectors = _all_vectors(reference, torch_embedder)
        figures["torch"] = {"ndcg@10": ndcg(reference, torch_embedder)}
        for n in sizes:
            settings = Settings(data_dir=Path(scratch) / str(n), milvus_uri="", model="minilm")
            embedder = Embedder("minilm", backend="onnx-int8")
            assert embedder._onnx is not None
            embedder._onnx.batch_size = n  # the index embeds one at a time (INT8_BATCH_SIZE)
            cosines = np.sum(_all_vectors(settings, embedder) * torch_vectors, axis=1)
            figures[str(n)] = {
                "ndcg@10": ndcg(settings, embedder),
                "cosine_to_torch_mean": round(float(cosines.mean()), 4),
                "cosine_to_torch_p1": round(float(np.percentile(cosines, 1)), 4),
            }
    write_result("int8_batches", figures)


def _all_vectors(settings: Settings, embedder: Embedder) -> np.ndarray:
    """Every passage vector of every set, embedded once into the settings' cache."""
    parts = [embed_base(settings, embedder, base_set_documents(d))[1] for d in SETS]
    return np.concatenate(parts)


def main() -> None:
    """Time every backend, score each one's vectors; write bench/results/encoding.json."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--batch-sizes",
        help="only compare these batch sizes (e.g. 8,16,32,64) -> bench/results/batch_size.json",
    )
    parser.add_argument(
        "--int8-batch-sizes",
        help="only int8's nDCG@10 and cosine to torch at these batch sizes (e.g. 1,8,16,32,64) "
        "-> bench/results/int8_batches.json",
    )
    args = parser.parse_args([] if __name__ != "__main__" else None)
    if args.int8_batch_sizes:
        int8_quality([int(n) for n in args.int8_batch_sizes.split(",")])
        return
    if args.batch_sizes:
        batch_sweep([int(n) for n in args.batch_sizes.split(",")])
        return
    load_start = [round(x, 2) for x in os.getloadavg()]
    embedders = {n: Embedder("minilm", backend=b) for n, b in BACKENDS.items()}
    encoders: dict[str, Encoder] = {**embedders, REFERENCE: PlainEncode(embedders["torch"])}
    for encoder in encoders.values():
        encoder.embed_documents(["warm-up"] * 8)
    chunks = throughput_chunks(embedders["torch"])
    seconds = throughput(encoders, chunks)
    docs = len(SETS) * THROUGHPUT_DOCS
    rates = {n: round(docs / s, 1) for n, s in seconds.items()}
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(os.environ.get("BENCH_DATA_DIR") or scratch)
        settings = Settings(data_dir=data_dir, milvus_uri="", model="minilm")
        quality = {n: ndcg(settings, e) for n, e in embedders.items()}
    figures: dict[str, dict] = {
        n: {"docs_per_s": rates[n], "ndcg@10": quality[n]} for n in BACKENDS
    }
    figures[REFERENCE] = {"docs_per_s": rates[REFERENCE]}
    figures["run"] = {
        "throughput_documents": docs,
        "ndcg_documents": sum(len(base_set_documents(d)) for d in SETS),
        # The cores are shared with other work: the load says how busy they were.
        "loadavg_start_end": [load_start, [round(x, 2) for x in os.getloadavg()]],
        "batch_size": {n: e.batch_size for n, e in embedders.items()}
        | {REFERENCE: REFERENCE_BATCH_SIZE},
        "speedup_vs_torch": {n: round(r / rates["torch"], 2) for n, r in rates.items()},
        "speedup_vs_sentence_transformers": {
            n: round(r / rates[REFERENCE], 2) for n, r in rates.items()
        },
        "query_p50_ms": query_latency_ms(embedders, all_queries()),
        "onnx_fp32_batching_docs_per_s": batching(
            embedders["onnx_fp32"],
            [*chunks[0][:250], *chunks[-1][:250]],  # the first and last sets
        ),
    }
    write_result("encoding", figures)


if __name__ == "__main__":
    main()

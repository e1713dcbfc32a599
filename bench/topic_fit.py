"""Topic fitting time and peak memory at 10k, 50k and 100k documents.

corpusmap's fit (`corpusmap.topics.fit.fit_topics`, the step `corpusmap topics` and
`corpusmap index` run on the stored vectors, with the collection's model for
labels) versus BERTopic defaults (`BERTopic(embedding_model=None)`: UMAP, then
HDBSCAN, then c-TF-IDF) on the same document vectors and texts. Vectors: the
documents of bench.synthetic (10,000 real BEIR documents, noised copies beyond
that), one vector per document (the unit mean of its passages, as a fit reads
them back from Milvus). Each method runs in a child process of its own that fits
every size in turn (ascending); before each size it resets the process's peak-RSS
mark (`/proc/self/clear_refs`), so `peak_rss_mb` is that fit's peak (imports,
model, inputs and the fit) as a fresh process would see it. (A child's
`ru_maxrss` is no use here: Linux carries the parent's peak into it at fork/exec.)

Numba: UMAP compiles its numba functions in every new process. The BERTopic child
first fits 5,000 documents (that compiles them; above UMAP's 4,096 it takes the
NN-descent path too), then the timed fits, so `bertopic_default_s` is the
algorithm's cost; the compile is paid once per process and reported beside it
(`processes.bertopic_default.numba_compile_s`: numba's own compile events).
corpusmap's path never runs UMAP: its only numba cost is what importing BERTopic
(which imports umap and pynndescent) compiles (`processes.corpusmap`; pynndescent
loads most of its functions from numba's on-disk cache).

    python -m bench.topic_fit [--sizes 10000,50000,100000] [--full]
        -> bench/results/topic_fit.json

`--full` also fits every document at the sizes above the sample and compares the
two partitions (`corpusmap_full`, `sampled_vs_full_ari`); `make bench` leaves it
out (about 2 minutes at 100k).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import run_child, write_result
from bench.synthetic import iter_sizes, make_corpus
from corpusmap.config import Settings
from corpusmap.embedding.embedder import Embedder

WARMUP_DOCS = 5000
Fit = Callable[[list[str], list[str], np.ndarray], dict[str, Any]]


def compile_seconds(events: list[tuple[float, Any]], since: float = 0.0) -> float:
    """Seconds in top-level numba compilations that started after `since` (time.time())."""
    total, starts = 0.0, []
    for stamp, event in events:
        if event.is_start:
            starts.append(stamp)
        elif starts:
            began = starts.pop()
            total += stamp - began if not starts and began >= since else 0.0
    return total


def _inputs(folder: Path) -> tuple[list[str], list[str], np.ndarray]:
    ids = json.loads((folder / "ids.json").read_text())
    texts = json.loads((folder / "texts.json").read_text())
    return ids, texts, np.load(folder / "vectors.npy")


def _peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmHWM:")).split()[1]) / 1024


def corpusmap_fitter(sample_size: int) -> Callable[[Path], Fit]:
    """corpusmap's fit as an index run or `corpusmap topics` does it (the model labels),
    clustering a sample above `sample_size` documents (0: never); BERTopic, which a fit
    imports on first use, imported here, before any timing. Each fit returns its labels,
    so that the parent can compare a sampled fit with a full one."""

    def make(_: Path) -> Fit:
        import bertopic  # noqa: F401

        from corpusmap.topics.fit import fit_topics

        embedder = Embedder("minilm")

        def fit(ids: list[str], texts: list[str], vectors: np.ndarray) -> dict[str, Any]:
            """One corpusmap fit: topic count, outlier share and the sample it clustered."""
            result = fit_topics(
                ids, texts, vectors, seed=42, embedder=embedder, sample_size=sample_size
            )
            labels = np.asarray([result.assignments[i] for i in ids])
            return {
                "topics": result.topic_count,
                "outlier_share": round(result.outlier_share, 4),
                "fit_sample": result.params.fit_sample,
                "labels": labels.tolist(),
            }

        return fit

    return make


def bertopic_fitter(sample: Path) -> Fit:
    """BERTopic defaults, after one small fit that compiles UMAP's numba functions."""
    from bertopic import BERTopic

    _, texts, vectors = _inputs(sample)
    BERTopic(embedding_model=None).fit(texts[:WARMUP_DOCS], embeddings=vectors[:WARMUP_DOCS])

    def fit(ids: list[str], texts: list[str], vectors: np.ndarray) -> dict[str, Any]:
        """One BERTopic fit with default settings: topic count and outlier share."""
        topics, _ = BERTopic(embedding_model=None).fit_transform(texts, embeddings=vectors)
        labels = np.asarray(topics)
        return {
            "topics": len(set(topics) - {-1}),
            "outlier_share": round(float(np.mean(labels == -1)), 4),
        }

    return fit


def _timed(fit: Fit, folder: Path) -> dict[str, Any]:
    """One size: peak-RSS mark reset, inputs loaded, the fit timed."""
    Path("/proc/self/clear_refs").write_text("5")
    ids, texts, vectors = _inputs(folder)
    started = time.perf_counter()
    figures = fit(ids, texts, vectors)
    figures["seconds"] = time.perf_counter() - started
    figures["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return figures


def child_fits(method: str, folders: list[Path]) -> dict[str, Any]:
    """Every size fitted by one method in this (child) process, with numba's compile time."""
    from numba.core import event

    makers = {
        "corpusmap": corpusmap_fitter(Settings().topic_sample_size),
        "corpusmap_full": corpusmap_fitter(0),
    }
    make = makers.get(method, bertopic_fitter)
    with event.install_recorder("numba:compile") as recording:
        started = time.perf_counter()
        fit = make(folders[0])
        ready, ready_at = time.perf_counter(), time.time()
        sizes = [_timed(fit, folder) for folder in folders]
    return {
        "sizes": sizes,
        "setup_s": round(ready - started, 1),
        "numba_compile_s": round(compile_seconds(recording.buffer), 2),
        "numba_compile_in_timed_fits_s": round(compile_seconds(recording.buffer, ready_at), 2),
    }


def _write_inputs(settings: Settings, embedder: Embedder, n: int, folder: Path) -> None:
    corpus = make_corpus(settings, embedder, n)
    folder.mkdir(parents=True)
    (folder / "ids.json").write_text(json.dumps([d.id for d in corpus.docs]))
    (folder / "texts.json").write_text(json.dumps([d.text for d in corpus.docs]))
    np.save(folder / "vectors.npy", corpus.doc_vectors)


def _child(method: str, folders: list[Path]) -> dict[str, Any]:
    args = ["-m", "bench.topic_fit", "--child", method, *map(str, folders)]
    out, _ = run_child(args, env={"HF_HUB_OFFLINE": "1"})
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _size_figures(
    ours: dict[str, Any], theirs: dict[str, Any], full: dict[str, Any] | None
) -> dict[str, Any]:
    figures = {
        "corpusmap_s": round(ours["seconds"], 1),
        "bertopic_default_s": round(theirs["seconds"], 1),
        "peak_rss_mb": ours["peak_rss_mb"],
        "bertopic_peak_rss_mb": theirs["peak_rss_mb"],
        "ratio": round(ours["seconds"] / theirs["seconds"], 3),
        "corpusmap_fit_sample": ours["fit_sample"],
        "topics": {"corpusmap": ours["topics"], "bertopic_default": theirs["topics"]},
        "outlier_share": {
            "corpusmap": ours["outlier_share"],
            "bertopic_default": theirs["outlier_share"],
        },
    }
    if full is not None:  # a sampled fit: what clustering every document costs, and agrees
        from sklearn.metrics import adjusted_rand_score

        figures["corpusmap_full"] = {
            "seconds": round(full["seconds"], 1),
            "peak_rss_mb": full["peak_rss_mb"],
            "topics": full["topics"],
            "sampled_vs_full_ari": round(adjusted_rand_score(full["labels"], ours["labels"]), 4),
        }
    return figures


def measure(settings: Settings, sizes: list[int], *, full: bool = False) -> dict[str, Any]:
    """Both methods on every size (and with `full`, where corpusmap samples, its full fit)."""
    embedder = Embedder("minilm")
    sampled = [n for n in sizes if full and 0 < settings.topic_sample_size < n]
    with tempfile.TemporaryDirectory() as scratch:
        folders = [Path(scratch) / str(n) for n in sizes]
        for n, folder in zip(sizes, folders, strict=True):
            _write_inputs(settings, embedder, n, folder)
        load_before = os.getloadavg()
        ours, theirs = _child("corpusmap", folders), _child("bertopic", folders)
        full_folders = [f for n, f in zip(sizes, folders, strict=True) if n in sampled]
        every = _child("corpusmap_full", full_folders) if full_folders else {"sizes": []}
    fulls = dict(zip(sampled, every["sizes"], strict=True))
    figures: dict[str, Any] = {
        str(n): _size_figures(a, b, fulls.get(n))
        for n, a, b in zip(sizes, ours["sizes"], theirs["sizes"], strict=True)
    }
    figures["processes"] = {
        "corpusmap": {k: v for k, v in ours.items() if k != "sizes"},
        "bertopic_default": {k: v for k, v in theirs.items() if k != "sizes"},
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    return figures


def main() -> None:
    """Measure every size (or, as the child, fit them) and write bench/results/topic_fit.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument(
        "--full",
        action="store_true",
        help="also fit every document at sizes above the sample (100k: ~2 more minutes)",
    )
    parser.add_argument("--child", nargs="+", metavar="METHOD FOLDER")
    args = parser.parse_args([] if __name__ != "__main__" else None)
    if args.child:
        method, *folders = args.child
        print(json.dumps(child_fits(method, [Path(f) for f in folders])))
        return
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(os.environ.get("BENCH_DATA_DIR") or scratch)
        settings = Settings(data_dir=data_dir, milvus_uri="", model="minilm")
        figures = measure(settings, sorted(iter_sizes(args.sizes)), full=args.full)
    setup = {
        "corpus": "bench.synthetic: 10,000 real BEIR documents; beyond that noised copies",
        "bertopic": "BERTopic(embedding_model=None) defaults, fit_transform(texts, embeddings)",
        "corpusmap": "fit_topics(ids, texts, vectors, seed=42, embedder=MiniLM, "
        "sample_size=CORPUSMAP_TOPIC_SAMPLE_SIZE (default 50,000))",
        "corpusmap_full": "with --full only: sample_size=0, at sizes above the sample",
        "peak_rss_mb": "VmHWM of the fit's child, reset before each size (imports, model, fit)",
    }
    write_result("topic_fit", {**figures, "setup": setup})


if __name__ == "__main__":
    main()

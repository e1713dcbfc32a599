"""The generated pages: docs/benchmarks.md and docs/configuration.md.

`docs/benchmarks.md` is made from `bench/results/*.json`: for each results file, a
section that says what it measures, the command that reproduces it and its figures
as tables. `docs/configuration.md` is made from the field descriptions of
`corpusmap.config.Settings`. Both are deterministic: the only dates in them are the
ones the results files record.

    python -m bench.docs           # write both pages (`make docs`)
    python -m bench.docs --check   # exit 1, naming the stale pages, when either is out of date

tests/test_docs.py runs the check, so `make test` fails when the pages drift.
"""

from __future__ import annotations

import argparse
import ast
import enum
import json
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo

from bench.common import RESULTS, ROOT
from corpusmap.config.settings import Settings

DOCS = ROOT / "docs"
BENCHMARKS_PAGE = DOCS / "benchmarks.md"
CONFIGURATION_PAGE = DOCS / "configuration.md"

Blocks = list[str]

# --- cells, labels and tables --------------------------------------------------------

#: How keys of the results read as column or row names.
LABELS = {
    "ndcg@10": "nDCG@10",
    "recall@100": "Recall@100",
    "mrr@10": "MRR@10",
    "docs_per_s": "docs/s",
    "p50_ms": "p50 ms",
    "p99_ms": "p99 ms",
    "queries_per_s": "queries/s",
    "peak_rss_mb": "peak RSS MB",
    "ratio_p50": "p50 / baseline",
    "ratio_p50_8_clients": "p50 with 8 clients / baseline",
    "baseline_p50_ms": "baseline p50 ms",
    "speedup_vs_torch": "x torch",
    "speedup_vs_sentence_transformers": "x sentence-transformers",
    "query_p50_ms": "query p50 ms",
    "cosine_to_torch_mean": "cosine to torch, mean",
    "cosine_to_torch_p1": "cosine to torch, 1st percentile",
    "seed_ari": "seed ARI",
    "nmi": "NMI",
    "ari": "ARI",
    "npmi": "NPMI",
    "sampled_vs_full_ari": "sampled vs full ARI",
    "dense_minus_exact_ndcg@10": "dense minus exact nDCG@10",
    "bertopic_default": "BERTopic defaults",
    "bertopic_default_s": "BERTopic defaults s",
    "bertopic_peak_rss_mb": "BERTopic peak RSS MB",
    "corpusmap_s": "corpusmap s",
    "sentence_transformers": "plain sentence-transformers",
    "onnx_fp32": "onnx (fp32)",
    "onnx_int8": "onnx-int8",
    "loadavg_before": "load average before",
    "loadavg_after": "load average after",
    "loadavg_start_end": "load average at start and end",
    "onnx_fp32_batching_docs_per_s": "onnx (fp32) docs/s, texts in input order or sorted by length",
}


#: Words of a key as they read in a heading (after `_` became a space).
WORDS = [
    (r" per s\b", "/s"),
    (r"\bmb\b", "MB"),
    (r"\brss\b", "RSS"),
    (r"\bndcg\b", "nDCG"),
    (r"\bnmi\b", "NMI"),
    (r"\btop10\b", "top-10"),
]


def part_label(part: str) -> str:
    """One key: a known name, a size, a name with digits or capitals kept, else words."""
    if part in LABELS:
        return LABELS[part]
    if part.isdigit():
        return f"{int(part):,}"
    if any(c.isupper() for c in part) or (any(c.isdigit() for c in part) and part.count("_") < 2):
        return part  # a name: msmarco_5k, IVF_FLAT
    text = part.replace("_", " ")
    for pattern, word in WORDS:
        text = re.sub(pattern, word, text)
    return text


def label(key: str) -> str:
    """A readable name of a dotted key: `hybrid.clients.8.p50_ms` -> `hybrid, 8 clients, p50 ms`."""
    parts = key.split(".")
    words: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        following = parts[index + 1] if index + 1 < len(parts) else ""
        if part == "clients" and following.isdigit():
            words.append(f"{following} client" + ("" if following == "1" else "s"))
            index += 2
            continue
        words.append(part_label(part))
        index += 1
    return ", ".join(words)


def cell(value: Any) -> str:
    """A value as a Markdown table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    if isinstance(value, list):
        joint = "; " if any(isinstance(v, list) for v in value) else ", "
        return joint.join(cell(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {cell(v)}" for k, v in value.items()) if value else "none"
    text = " ".join(str(value).split())
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def signed(value: Any) -> str:
    """A difference, with its sign."""
    return f"{value:+.4f}" if isinstance(value, int | float) else cell(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table (cells already formatted)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def is_scalar(value: Any) -> bool:
    """A value that fits one cell (lists and empty dicts included)."""
    return not isinstance(value, dict) or not value


def flatten(data: Mapping[str, Any], depth: int = 8, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as one level of dotted keys; below `depth` a dict stays one value."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth > 1:
            flat.update(flatten(value, depth - 1, name + "."))
        else:
            flat[name] = value
    return flat


def records_table(
    records: Mapping[str, Mapping[str, Any]],
    first: str,
    *,
    depth: int = 8,
    transpose: bool | None = None,
) -> str:
    """One row per record (its dotted keys as columns); transposed when that is wider."""
    flat = {name: flatten(record, depth) for name, record in records.items()}
    columns: list[str] = []
    for record in flat.values():
        columns += [key for key in record if key not in columns]
    if transpose is None:
        transpose = len(columns) > 8 and len(columns) > len(records)
    if transpose:
        return table(
            ["figure", *(label(name) for name in flat)],
            ([label(key), *(cell(r.get(key)) for r in flat.values())] for key in columns),
        )
    return table(
        [first, *(label(key) for key in columns)],
        ([label(name), *(cell(r.get(key)) for key in columns)] for name, r in flat.items()),
    )


def values_table(data: Mapping[str, Any], headers: tuple[str, str] = ("figure", "value")) -> str:
    """Two columns: each (dotted) key and its value."""
    return table(headers, ([label(k), cell(v)] for k, v in flatten(data).items()))


def generic(data: Mapping[str, Any]) -> Blocks:
    """Tables for any results structure: the plain figures, then each group of figures."""
    blocks: Blocks = []
    scalars = {k: v for k, v in data.items() if is_scalar(v)}
    if scalars:
        blocks.append(values_table(scalars))
    groups = {k: v for k, v in data.items() if not is_scalar(v)}
    flat_groups = {k: v for k, v in groups.items() if all(is_scalar(x) for x in v.values())}
    if len(flat_groups) > 1:  # several sets of figures side by side: one row each
        blocks.append(records_table(flat_groups, "run", transpose=False))
        groups = {k: v for k, v in groups.items() if k not in flat_groups}
    for key, value in groups.items():
        blocks.append(f"{label(key)}:")
        if all(isinstance(v, dict) and v for v in value.values()):
            blocks.append(records_table(value, label(key)))
        else:
            blocks.append(values_table(value))
    return blocks


def sized(data: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of a results file keyed by a size (`"10000"`), ascending."""
    return {k: data[k] for k in sorted((k for k in data if k.isdigit()), key=int)}


def rest(data: Mapping[str, Any], *used: str) -> dict[str, Any]:
    """The entries not shown yet (the machine is shown apart)."""
    return {k: v for k, v in data.items() if k not in used and k != "machine"}


# --- one renderer per results file ---------------------------------------------------


def retrieval(data: dict[str, Any]) -> Blocks:
    """Quality per mode and dataset, the fusion sweep and hybrid's per-query differences."""
    datasets = {k: v for k, v in data.items() if isinstance(v, dict) and "dense" in v}
    modes = [
        m for m in ("exact", "dense", "keyword", "hybrid") if any(m in d for d in datasets.values())
    ]
    measures: list[str] = []
    for figures in datasets.values():
        for mode in modes:
            measures += [m for m in figures.get(mode, {}) if m not in measures]
    rows = [
        [name, cell(d.get("queries")), cell(d.get("documents")), mode]
        + [cell(d[mode].get(m)) for m in measures]
        for name, d in datasets.items()
        for mode in modes
        if mode in d
    ]
    blocks = [
        table(["dataset", "judged queries", "documents", "mode", *map(label, measures)], rows)
    ]
    extra = {name: rest(d, *modes, "queries", "documents") for name, d in datasets.items()}
    fusions = [e.pop("fusion", None) for e in extra.values()]
    if fusions and fusions[0] and all(f == fusions[0] for f in fusions):
        blocks.append("Hybrid search in this run: " + cell(fusions[0]) + ".")
    if any(extra.values()):
        blocks.append(records_table(extra, "dataset"))
    sweep = data.get("fusion_sweep")
    if isinstance(sweep, dict) and isinstance(sweep.get("fusions"), dict):
        depths = sweep.get("candidates_per_list", [])
        names = [n for n in datasets if any(n in f for f in sweep["fusions"].values())]
        headers = ["fusion", *(f"{n}, {d} per list" for n in names for d in depths), "worst"]
        blocks.append(
            f"Fusion sweep ({sweep.get('measure', '')}), over the same candidate lists, "
            f"at {' and '.join(map(cell, depths))} candidates per list:"
        )
        blocks.append(
            table(
                headers,
                (
                    [
                        fusion,
                        *(signed(v) for n in names for v in f.get(n, [])),
                        signed(f.get("worst")),
                    ]
                    for fusion, f in sweep["fusions"].items()
                ),
            )
        )
        if isinstance(sweep.get("hybrid_minus_dense"), dict):
            blocks.append("Per-query nDCG@10 of hybrid search (this run's fusion) minus dense:")
            blocks.append(records_table(sweep["hybrid_minus_dense"], "dataset"))
        left = rest(sweep, "measure", "candidates_per_list", "fusions", "hybrid_minus_dense")
        blocks += generic(left) if left else []
    left = rest(data, *datasets, "fusion_sweep")
    return blocks + (generic(left) if left else [])


def encoding(data: dict[str, Any]) -> Blocks:
    """One row per backend: its own figures and its entry in every per-backend figure of the run."""
    backends = [k for k, v in data.items() if isinstance(v, dict) and "docs_per_s" in v]
    run = data.get("run", {})
    per_backend = [k for k, v in run.items() if isinstance(v, dict) and set(v) & set(backends)]
    records = {
        b: {**flatten(data[b]), **{key: run[key].get(b) for key in per_backend}} for b in backends
    }
    blocks = [records_table(records, "backend", transpose=False)]
    left = {**rest(run, *per_backend), **rest(data, *backends, "run")}
    return blocks + (generic(left) if left else [])


def batch_size(data: dict[str, Any]) -> Blocks:
    """docs/s of each backend (rows) at each batch size (columns)."""
    rates = data.get("docs_per_s", {})
    blocks = [
        f"docs/s on {cell(data.get('documents'))} documents, by batch size:",
        records_table(rates, "backend", transpose=False),
    ]
    left = rest(data, "docs_per_s", "documents")
    return blocks + (generic(left) if left else [])


def int8_batches(data: dict[str, Any]) -> Blocks:
    """int8's quality at each batch size, with its difference from torch's."""
    reference = data.get("torch", {}).get("ndcg@10", {})
    rows = {"torch": data["torch"]} if "torch" in data else {}
    for size, figures in sized(data).items():
        delta = {
            f"{name} minus torch": signed(v - reference[name])
            for name, v in figures.get("ndcg@10", {}).items()
            if name in reference
        }
        rows[f"int8, batch {size}"] = {**figures, **delta}
    blocks = [records_table(rows, "vectors", transpose=False)]
    left = rest(data, "torch", *sized(data))
    return blocks + (generic(left) if left else [])


def by_size(data: dict[str, Any]) -> Blocks:
    """Figures (rows) at each corpus size (columns); index types apart; the rest generic."""
    sizes = sized(data)
    engines = {
        f"{int(size):,} documents, {kind}": figures
        for size, record in sizes.items()
        for kind, figures in (record.get("engines") or {}).items()
    }
    shown = {f"{int(size):,} documents": rest(record, "engines") for size, record in sizes.items()}
    blocks = [records_table(shown, "size", transpose=True)]
    if engines:
        blocks += ["Milvus Lite index types on the same build:", records_table(engines, "build")]
    left = rest(data, *sizes)
    return blocks + (generic(left) if left else [])


def per_size(data: dict[str, Any]) -> Blocks:
    """One row per corpus size."""
    blocks = [records_table(sized(data), "documents", transpose=False)]
    left = rest(data, *sized(data))
    return blocks + (generic(left) if left else [])


def memory(data: dict[str, Any]) -> Blocks:
    """One row per index size; then the embedder's RSS after each chunk, with and
    without freed heap handed back."""
    blocks = per_size(rest(data, "embedder", "embedder_rss_growth_mb"))
    embedder = data.get("embedder")
    if not embedder:
        return blocks
    runs = ("released", "not_released")
    columns = ("rss_mb_after_documents", "peak_rss_mb_after_documents")
    rows = (
        [cell(int(k))] + [cell(embedder[r][f].get(k, "")) for r in runs for f in columns]
        for k in embedder["released"]["rss_mb_after_documents"]
        if int(k) % 5000 == 0
    )
    header = ["documents embedded", "RSS MB", "peak RSS MB", "RSS MB, kept", "peak RSS MB, kept"]
    growth = "; ".join(
        f"{r.replace('_', ' ')}, {embedder[r]['growth_from_to'][0]:,} to "
        f"{embedder[r]['growth_from_to'][1]:,}: {embedder[r]['rss_growth_mb']} MB"
        for r in runs
    )
    return [
        *blocks,
        "One `Embedder` (`--embedder-only N`): freed heap handed back after each chunk "
        "(corpusmap's default), and kept (the baseline):",
        table(header, rows),
        f"RSS growth: {growth} (`embedder_rss_growth_mb` = {data.get('embedder_rss_growth_mb')}).",
    ]


def topics(data: dict[str, Any]) -> Blocks:
    """One row per corpus and method; the per-seed details in a second table."""
    corpora = {
        k: v
        for k, v in data.items()
        if isinstance(v, dict)
        and v
        and all(isinstance(m, dict) for m in v.values())
        and k not in ("details", "setup")
    }
    rows = {
        f"{corpus}, {label(method)}": figures
        for corpus, methods in corpora.items()
        for method, figures in methods.items()
    }
    blocks = [records_table(rows, "corpus, method", transpose=False)]
    details = data.get("details")
    if isinstance(details, dict):
        detail_rows = {
            f"{corpus} ({cell(d.get('documents'))} documents), {label(method)}": figures
            for corpus, d in details.items()
            for method, figures in d.items()
            if isinstance(figures, dict)
        }
        blocks += ["Per seed, stop words among the top-10 terms, fit time:"]
        blocks.append(records_table(detail_rows, "corpus, method", depth=1, transpose=False))
    left = rest(data, *corpora, "details")
    return blocks + (generic(left) if left else [])


def run_all(data: dict[str, Any]) -> Blocks:
    """Minutes per benchmark."""
    seconds = data.get("seconds", {})
    blocks = [
        table(
            ["benchmark", "minutes"],
            ([name, f"{s / 60:.1f}"] for name, s in seconds.items()),
        )
    ]
    left = rest(data, "seconds")
    return blocks + (generic(left) if left else [])


# --- the sections --------------------------------------------------------------------


def sizes_option(option: str) -> Callable[[dict[str, Any]], str]:
    """The size keys of a results file as a command-line option."""
    return lambda data: f" {option} {','.join(sized(data))}" if sized(data) else ""


@dataclass(frozen=True)
class Section:
    """How one results file is shown."""

    title: str
    measures: str
    module: str
    options: Callable[[dict[str, Any]], str] = lambda data: ""
    render: Callable[[dict[str, Any]], Blocks] = generic

    def command(self, data: dict[str, Any]) -> str:
        """The command that reproduces the file."""
        return f"python -m bench.{self.module}{self.options(data)}"


SECTIONS: dict[str, Section] = {
    "retrieval": Section(
        "Retrieval quality",
        "nDCG@10, Recall@100 and MRR@10 of each search mode on the shared BEIR subsets, "
        "exact numpy search beside them, and every hybrid fusion over the same candidates.",
        "retrieval",
        render=retrieval,
    ),
    "compounds": Section(
        "Compound matching on the keyword side",
        "Keyword and hybrid nDCG@10 and Recall@100 on the shared BEIR sets with compound "
        "matching off and on (each cell: off, on), every query it changes, and the ranks "
        "of the two curve-ball patents on the shared abstracts per mode.",
        "compounds",
    ),
    "passages": Section(
        "Passages on long documents",
        "Known-item search on the shared patent claims, indexed once with passages and once "
        "truncated by the model: the query is the start of a long claim's last passage.",
        "passages",
    ),
    "encoding": Section(
        "Encoding backends",
        "Throughput (docs/s) of torch, ONNX fp32, ONNX int8 and OpenVINO (what `auto` "
        "picks on the CPU), and the nDCG@10 of exact search over each one's vectors on the three "
        "shared BEIR sets; plain sentence-transformers as the reference.",
        "encoding",
        render=encoding,
    ),
    "batch_size": Section(
        "Embedding batch size",
        "docs/s of each backend at each batch size, on the same documents.",
        "encoding",
        options=lambda data: (
            " --batch-sizes " + ",".join(next(iter(data.get("docs_per_s", {"": {}}).values())))
        ),
        render=batch_size,
    ),
    "int8_batches": Section(
        "int8 vectors by batch size",
        "nDCG@10 of int8 vectors embedded at each batch size, and their cosine to torch's "
        "(the index now embeds int8 one text per run: INT8_BATCH_SIZE).",
        "encoding",
        options=sizes_option("--int8-batch-sizes"),
        render=int8_batches,
    ),
    "indexing": Section(
        "Indexing throughput",
        "`corpusmap index` docs/s against raw `SentenceTransformer.encode` on the same "
        "patent abstracts at the same batch size (the ratio is what to read).",
        "indexing",
    ),
    "memory": Section(
        "Index memory",
        "Peak RSS of `corpusmap index` at each corpus size, embedding every document and "
        "again with every vector in the embedding cache; and one embedder's RSS over a "
        "long run.",
        "memory",
        options=sizes_option("--sizes"),
        render=memory,
    ),
    "labels": Section(
        "Topic label coherence",
        "NPMI of each topic's label words over its corpus, labels picked by co-occurrence "
        "in the topic's core documents (the default) and by MMR alone, on one fit.",
        "labels",
        options=lambda data: " --corpora " + ",".join(k for k in data if k != "machine"),
    ),
    "pool": Section(
        "Embedding worker pool",
        "docs/s of sentence-transformers' multi-process pool against one process, on the "
        "same texts, and the pool's start-up time.",
        "pool",
        options=lambda data: f" --docs {data['docs']} --processes {data['processes']}",
    ),
    "ray": Section(
        "Embedding on Ray Data",
        "docs/s of `embed_on_ray` (`corpusmap index --ray`) with 1 and 2 actors on a local "
        "Ray cluster against the single-process path, on the same texts in one run (actor "
        "start included), and the cosine of its vectors to the single-process ones.",
        "ray",
        options=lambda data: f" --docs {data['docs']} --shard-docs {data['shard_docs']}",
    ),
    "query": Section(
        "Query latency",
        "The live API's search latency at each corpus size, with 1 and 8 clients, dense and "
        "hybrid, against the baseline of query encoding plus exact numpy top-10.",
        "query",
        options=sizes_option("--sizes"),
        render=by_size,
    ),
    "load": Section(
        "Load while publishing",
        "Concurrent clients on the live API while new builds of the served collection "
        "publish; every response must be a 200.",
        "load",
        options=lambda data: f" --clients {data['clients']} --seconds {round(data['seconds'])}",
    ),
    "topics": Section(
        "Topic quality",
        "corpusmap's topics against BERTopic's defaults on the same vectors (AG News, patent "
        "claims): label agreement, coherence, diversity and stability over 5 seeds.",
        "topics",
        render=topics,
    ),
    "topic_fit": Section(
        "Topic fit time and memory",
        "Time and peak RSS of corpusmap's topic fit against BERTopic's defaults at each "
        "corpus size.",
        "topic_fit",
        options=lambda data: (
            sizes_option("--sizes")(data)
            + (" --full" if any("corpusmap_full" in v for v in sized(data).values()) else "")
        ),
        render=by_size,
    ),
    "run_all": Section(
        "The whole benchmark run",
        "How long each benchmark of `make bench` took, and whether any failed.",
        "run_all",
        render=run_all,
    ),
}


def module_summary(module: str) -> str:
    """The first line of a bench module's docstring (read, not imported)."""
    path = ROOT / "bench" / f"{module}.py"
    if not path.exists():
        return ""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.splitlines()[0] if doc else ""


def section_for(name: str) -> Section:
    """The known section of a results file, or a generic one from its module's docstring."""
    if name in SECTIONS:
        return SECTIONS[name]
    return Section(name.replace("_", " ").capitalize(), module_summary(name) or name, name)


def machine_line(machine: Mapping[str, Any]) -> str:
    """What a machine record says, without its date."""
    versions = ", ".join(f"{p} {v}" for p, v in machine.get("versions", {}).items())
    return (
        f"{machine.get('cpus')} CPUs, {machine.get('platform')}, "
        f"Python {machine.get('python')}; {versions}"
    )


def render_benchmarks(results: Path = RESULTS) -> str:
    """docs/benchmarks.md from the results files."""
    files = {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(results.glob("*.json"))
    }
    order = [n for n in SECTIONS if n in files] + sorted(n for n in files if n not in SECTIONS)
    machines = sorted({machine_line(d.get("machine", {})) for d in files.values()})
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by `python -m bench.docs` from bench/results/*.json; do not edit. -->",
        "",
        "Every figure below is read from a results file in `bench/results/`, which the "
        "benchmark named in its section writes. Run the commands from the repository root "
        "with the project's virtual environment (`.venv/bin/python`). `make bench` runs the "
        "benchmarks listed under [The whole benchmark run](#the-whole-benchmark-run) in one "
        "go, sharing one embedding cache (`BENCH_DATA_DIR`, a temporary folder unless set). "
        "After a run, `python -m bench.docs` (`make docs`) rewrites this page.",
        "",
    ]
    if len(machines) == 1:
        lines += [f"Measured on: {machines[0]}.", ""]
    elif machines:
        lines += ["Measured on:", "", *(f"- {m}" for m in machines), ""]
    lines += [f"- [{section_for(n).title}](#{anchor(section_for(n).title)})" for n in order] + [""]
    for name in order:
        data = files[name]
        section = section_for(name)
        date = data.get("machine", {}).get("date")
        lines += [
            f"## {section.title}",
            "",
            section.measures,
            "",
            "```",
            section.command(data),
            "```",
            "",
            f"`bench/results/{name}.json`" + (f", recorded {date}." if date else "."),
            "",
        ]
        for block in section.render(rest(data)):
            lines += [block, ""]
    return "\n".join(lines).rstrip() + "\n"


def anchor(title: str) -> str:
    """The anchor GitHub gives a heading."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


# --- configuration -------------------------------------------------------------------


def type_name(annotation: Any) -> str:
    """A field's type, in words."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        return " or ".join(type_name(a) for a in kinds) + " or unset"
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{v}`" for v in typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return f"JSON list of {type_name(item)}s"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in annotation)
    names = {
        Path: "path",
        str: "string",
        SecretStr: "secret",
        bool: "boolean",
        int: "integer",
        float: "number",
    }
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def bounds(field: FieldInfo) -> str:
    """A field's allowed range, from its `ge`/`le` constraints."""
    low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
    if low is not None and high is not None:
        return f", {cell(low)} to {cell(high)}"
    if low is not None:
        return f", at least {cell(low)}"
    if high is not None:
        return f", at most {cell(high)}"
    return ""


def default_value(field: FieldInfo) -> str:
    """A field's default as it would be written in the environment."""
    value = field.default_factory() if field.default_factory else field.default  # type: ignore[call-arg]
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None:
        return "*(unset)*"
    if value == "":
        return "*(empty)*"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool | list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def render_configuration() -> str:
    """docs/configuration.md from the Settings fields."""
    rows = (
        [
            f"`CORPUSMAP_{name.upper()}`",
            type_name(field.annotation) + bounds(field),
            default_value(field),
            cell(field.description or ""),
        ]
        for name, field in Settings.model_fields.items()
    )
    lines = [
        "# Configuration",
        "",
        "<!-- Generated by `python -m bench.docs` from the fields of "
        "corpusmap.config.Settings (src/corpusmap/config/settings.py); do not edit. -->",
        "",
        "Every setting is an environment variable `CORPUSMAP_<NAME>`, also read from a "
        "`.env` file in the folder corpusmap runs in (names it does not know are ignored). "
        "The command line's flags override them: `--data-dir` and `--milvus-uri` on every "
        "command, and each command's own options (`corpusmap COMMAND --help`). "
        "`corpusmap config` prints the effective settings with secrets masked "
        '(`--format env` as `.env` lines). Lists are JSON (`["a", "b"]`).',
        "",
        table(["variable", "type", "default", "description"], rows),
    ]
    return "\n".join(lines) + "\n"


# --- writing and checking ------------------------------------------------------------


def generated() -> dict[Path, str]:
    """Each generated page and what it should hold now."""
    return {BENCHMARKS_PAGE: render_benchmarks(), CONFIGURATION_PAGE: render_configuration()}


def out_of_date(pages: Mapping[Path, str]) -> list[Path]:
    """The pages whose file is missing or differs from what they should hold."""
    return [
        p for p, text in pages.items() if not p.exists() or p.read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Write the pages, or with --check report the stale ones (exit 1)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if out of date")
    args = parser.parse_args(argv)
    pages = generated()
    stale = out_of_date(pages)
    if args.check:
        for path in stale:
            print(
                f"{path.relative_to(ROOT)} is out of date: run `python -m bench.docs`",
                file=sys.stderr,
            )
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pages[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The `corpusmap` command line: index, topics, search, info, serve, report."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from corpusmap.config import DEFAULT_MODE, SearchMode, get_settings
from corpusmap.errors import ConfigError, CorpusError, CorpusmapError, DiskFullError
from indexer.cli import builds as cli_builds
from indexer.cli import commands, evaluate, queries
from indexer.cli import diff as diff_cmd
from indexer.cli import report as report_cmd
from indexer.cli.options import print_json, with_flags

#: Libraries whose INFO lines (devices, model paths, HTTP requests) show only with -v.
LIBRARY_LOGGERS = ("sentence_transformers", "transformers", "httpx", "urllib3", "datasets")

app = typer.Typer(
    name="corpusmap",
    help="Semantic search and topic modeling for document collections, on Milvus.\n\n"
    "Every option can also be set by an environment variable CORPUSMAP_<NAME> "
    "(e.g. CORPUSMAP_DATA_DIR, CORPUSMAP_MILVUS_URI, CORPUSMAP_MODEL).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def configure(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Folder for builds (Milvus Lite files, topics, reports) and caches."),
    ] = None,
    milvus_uri: Annotated[
        str | None,
        typer.Option(help="Milvus server URI (http://host:19530); default: Milvus Lite files."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Global options; settings come from CORPUSMAP_* variables, then these flags."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name in LIBRARY_LOGGERS:  # their INFO lines say nothing a user acts on
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
    ctx.obj = with_flags(get_settings(), data_dir=data_dir, milvus_uri=milvus_uri)


@app.command()
def index(
    ctx: typer.Context,
    sources: Annotated[
        list[str],
        typer.Argument(
            help="Files (.csv .jsonl .parquet), folders, globs or a "
            "Hugging Face dataset id such as owner/name."
        ),
    ],
    preset: Annotated[
        str | None,
        typer.Option(
            help="Field mapping preset: "
            "patentsberta-claims, patentsberta-cpc1400, patentsview-abstracts, "
            "beir, ag-news."
        ),
    ] = None,
    collection: Annotated[
        str | None,
        typer.Option(help="Collection name; default: from the first source and the model."),
    ] = None,
    id_field: Annotated[
        str | None, typer.Option(help="Field holding the document id ('@row' numbers rows).")
    ] = None,
    text_field: Annotated[
        list[str] | None,
        typer.Option(help="Text field; repeat to join several (e.g. title then abstract)."),
    ] = None,
    title_field: Annotated[str | None, typer.Option(help="Field holding the title.")] = None,
    date_field: Annotated[str | None, typer.Option(help="Field holding the date.")] = None,
    label_field: Annotated[
        list[str] | None, typer.Option(help="Class label field; repeatable.")
    ] = None,
    metadata_field: Annotated[
        list[str] | None, typer.Option(help="Extra field kept as metadata; repeatable.")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="File encoding (e.g. latin-1).")] = None,
    split: Annotated[str, typer.Option(help="Split of a hub dataset.")] = "train",
    limit: Annotated[int | None, typer.Option(min=1, help="Read at most N rows.")] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Embedding model: minilm (default, "
            "offline), patentsberta, mpnet, a hub id or a folder."
        ),
    ] = None,
    no_topics: Annotated[bool, typer.Option("--no-topics", help="Skip topic fitting.")] = False,
    seed: Annotated[int | None, typer.Option(help="Seed for topic fitting.")] = None,
    min_topic_size: Annotated[int | None, typer.Option(min=2, help="Smallest topic.")] = None,
    report_json: Annotated[
        Path | None,
        typer.Option(
            help="Also write the read report (skipped rows with row numbers) as JSON here."
        ),
    ] = None,
    add: Annotated[
        bool,
        typer.Option(
            "--add",
            help="Append these documents to --collection (ids already there are skipped): "
            "a new build where they join the nearest existing topic; reports the drift.",
        ),
    ] = False,
    chunk_size: Annotated[
        int | None, typer.Option(min=1, help="Documents embedded and inserted per step.")
    ] = None,
    embed_processes: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes for embedding (CPU threads shared between them; "
            "env CORPUSMAP_EMBED_PROCESSES, default 1).",
        ),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="ADDRESS",
            help="Embed on Ray Data: 'auto' (this machine's Ray cluster), 'local' (a Ray "
            "started for the run) or a cluster address; needs the `ray` extra "
            "(env CORPUSMAP_RAY_ADDRESS; default: no Ray).",
        ),
    ] = None,
    ray_actors: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Embedder actors of a --ray run; 0: one per GPU, or per CPU without GPUs "
            "(env CORPUSMAP_RAY_ACTORS).",
        ),
    ] = None,
) -> None:
    """Read a corpus, embed it, load it into Milvus and fit topics on the stored vectors.

    Each run writes a new build and publishes it when complete (a running API
    follows); a failed or killed run leaves the published build in place, and
    running the same command again resumes from the embedding cache.
    """
    settings = with_flags(
        ctx.obj,
        model=model,
        seed=seed,
        min_topic_size=min_topic_size,
        chunk_size=chunk_size,
        embed_processes=embed_processes,
        ray_address=ray,
        ray_actors=ray_actors,
    )
    if add and ray:
        raise ConfigError("--ray embeds full index runs; --add embeds only its new documents")
    options = commands.IndexOptions(
        sources=sources,
        preset=preset,
        collection=collection,
        id_field=id_field,
        text_fields=text_field,
        title_field=title_field,
        date_field=date_field,
        label_fields=label_field,
        metadata_fields=metadata_field,
        encoding=encoding,
        split=split,
        limit=limit,
        fit_topics=not no_topics,
    )
    summary = (commands.run_add if add else commands.run_index)(settings, options)
    if report_json:
        report_json.write_text(json.dumps(summary["read_report"], indent=2))
    print_json(summary)


@app.command()
def topics(
    ctx: typer.Context,
    collection: Annotated[str, typer.Argument(help="Collection to refit.")],
    seed: Annotated[int | None, typer.Option(help="Seed for topic fitting.")] = None,
    min_topic_size: Annotated[int | None, typer.Option(min=2, help="Smallest topic.")] = None,
) -> None:
    """Refit topics as a new build from the published one's rows and the embedding
    cache (nothing is embedded again), then publish it."""
    settings = with_flags(ctx.obj, seed=seed, min_topic_size=min_topic_size)
    print_json(commands.run_topics(settings, collection))


@app.command()
def search(
    ctx: typer.Context,
    collection: Annotated[str, typer.Argument(help="Collection to search.")],
    query: Annotated[
        str | None, typer.Argument(help="Free-text query (or give --like instead).")
    ] = None,
    like: Annotated[
        str | None, typer.Option(help="More like this: a document id instead of a query.")
    ] = None,
    mode: Annotated[
        SearchMode, typer.Option(help="dense (embeddings), keyword (BM25) or hybrid (both).")
    ] = SearchMode(DEFAULT_MODE),
    top_k: Annotated[int, typer.Option(min=1, max=100, help="Number of hits.")] = 10,
    topic: Annotated[int | None, typer.Option(help="Only documents of this topic.")] = None,
    date_from: Annotated[str | None, typer.Option(help="Earliest date, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option(help="Latest date, YYYY-MM-DD.")] = None,
    cpc: Annotated[
        list[str] | None, typer.Option(help="CPC section or subclass (any of); repeatable.")
    ] = None,
    label: Annotated[
        list[str] | None, typer.Option(help="Class label (any of); repeatable.")
    ] = None,
) -> None:
    """Search a collection by text, or for documents like one (--like ID); print JSON hits."""
    hits = queries.run_search(
        ctx.obj,
        collection,
        query,
        like=like,
        mode=mode.value,
        top_k=top_k,
        topic=topic,
        date_from=date_from,
        date_to=date_to,
        cpc=cpc or [],
        labels=label or [],
    )
    print_json([asdict(h) for h in hits])


@app.command()
def info(
    ctx: typer.Context,
    collection: Annotated[str | None, typer.Argument(help="One collection; default all.")] = None,
) -> None:
    """Print collections, document counts, models and topic counts as JSON."""
    print_json(queries.run_info(ctx.obj, collection))


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Worker processes (a Milvus server is needed for more than one)."),
    ] = 1,
) -> None:
    """Start the HTTP API (OpenAPI docs at /docs)."""
    commands.run_serve(ctx.obj, host=host, port=port, workers=workers)


@app.command(name="config")
def config(
    ctx: typer.Context,
    output: Annotated[
        str, typer.Option("--format", help="json, or env: CORPUSMAP_<NAME>=value lines.")
    ] = "json",
) -> None:
    """Print the effective settings (CORPUSMAP_* variables, .env, flags); secrets masked."""
    from indexer.cli.config import render_config  # the logic lives there

    typer.echo(render_config(ctx.obj, output))


app.command(name="builds")(cli_builds.builds)
app.command(name="rollback")(cli_builds.rollback)
app.command(name="report")(report_cmd.report)
app.command(name="eval-topics")(evaluate.eval_topics)
app.command(name="eval")(evaluate.eval_retrieval)
app.command(name="diff")(diff_cmd.diff)


#: How `main` names some kinds of error (others go by their class name).
_KINDS: list[tuple[type[CorpusmapError], str]] = [
    (CorpusError, "corpus"),
    (DiskFullError, "disk full"),
]


def main() -> None:
    """Entry point: run the CLI and turn corpusmap errors into one clear line."""
    try:
        app()
    except CorpusmapError as exc:
        kind = next((k for t, k in _KINDS if isinstance(exc, t)), type(exc).__name__)
        typer.echo(f"error ({kind}): {exc}", err=True)
        raise SystemExit(2) from None

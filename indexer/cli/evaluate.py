"""`corpusmap eval` (retrieval on a BEIR folder) and `eval-topics` (topic quality).
Registered on the app in `indexer.cli.app`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from corpusmap.config import FusionMethod, SearchMode
from indexer.cli import commands
from indexer.cli.options import print_json, with_flags
from indexer.evaluation import topics as topic_eval


def eval_topics(
    ctx: typer.Context,
    collection: Annotated[str, typer.Argument(help="Collection whose topics to score.")],
    label_field: Annotated[str | None, typer.Option(help=topic_eval.LABEL_FIELD_HELP)] = None,
) -> None:
    """Print topic quality as JSON: topics, outlier share, diversity, NPMI, NMI/ARI and,
    with CPC codes, multi_topic_agreement (second topics against the codes)."""
    print_json(topic_eval.run_eval_topics(ctx.obj, collection, label_field))


def eval_retrieval(
    ctx: typer.Context,
    folder: Annotated[
        Path,
        typer.Argument(
            help="BEIR folder: corpus.jsonl, queries.jsonl, "
            "qrels/<split>.tsv (header line optional)."
        ),
    ],
    collection: Annotated[
        str | None,
        typer.Option(
            help="Collection to evaluate; indexed "
            "from corpus.jsonl if missing. Default: from the folder."
        ),
    ] = None,
    mode: Annotated[
        list[SearchMode] | None,
        typer.Option(help="Modes to measure; repeatable. Default: all three."),
    ] = None,
    reindex: Annotated[bool, typer.Option(help="Index again even if it exists.")] = False,
    split: Annotated[str, typer.Option(help="Qrels split.")] = "test",
    model: Annotated[str | None, typer.Option(help="Embedding model.")] = None,
    fusion: Annotated[
        list[FusionMethod] | None,
        typer.Option(
            help="Hybrid fusion to measure; repeatable: the first is reported as hybrid, "
            "each other as hybrid_<name>. Default: the configured one (adaptive)."
        ),
    ] = None,
) -> None:
    """Measure retrieval (nDCG@10, Recall@100, MRR@10 with standard errors) per mode and
    for exact search; JSON."""
    settings = with_flags(ctx.obj, model=model)
    modes = [m.value for m in mode] if mode else [m.value for m in SearchMode]
    fusions = [f.value for f in fusion] if fusion else None
    print_json(
        commands.run_eval(
            settings,
            folder,
            collection=collection,
            modes=modes,
            reindex=reindex,
            split=split,
            fusions=fusions,
        )
    )

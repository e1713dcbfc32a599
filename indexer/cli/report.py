"""`corpusmap report`: write a collection's topic report as a folder of HTML pages.
Registered on the app in `indexer.cli.app`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings
from corpusmap.reports.data import ReportData, collect_report_data
from corpusmap.reports.pages import app_document_url, write_report_folder
from corpusmap.reports.saved import REPORT_DATA_FILE, load_report_data


def published_report_data(settings: Settings, collection: str) -> ReportData:
    """The report data of a collection's published build: what its indexer saved
    (readable while the API has the build open), else computed from the store."""
    registry = BuildRegistry(settings.data_dir)
    info = registry.current(collection)
    saved = load_report_data(registry.build_dir(collection, info.build_id) / REPORT_DATA_FILE)
    if saved is not None:
        return saved
    with open_published(settings, collection) as (store, name):
        data = collect_report_data(store, name)
    data.collection = collection
    return data


def run_report(
    settings: Settings, collection: str, out: Path, document_url: str | None = None
) -> dict[str, Any]:
    """Write the report of a collection's published build into `out`; documents link
    to `document_url` ({id} filled in), by default the app's document page at the
    configured public URL."""
    url = document_url or app_document_url(settings.public_url, collection)
    data = published_report_data(settings, collection)
    return {"collection": collection, **write_report_folder(data, out, document_url=url)}


def report(
    ctx: typer.Context,
    collection: Annotated[str, typer.Argument(help="Collection whose topics to report.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder to write (created if missing; an earlier report there is overwritten).",
        ),
    ],
    document_url: Annotated[
        str | None,
        typer.Option(
            help="Where documents link, {id} filled in; default: the API's document view "
            "at CORPUSMAP_PUBLIC_URL (/ui/collections/<collection>/documents/{id})."
        ),
    ] = None,
) -> None:
    """Write the topic report of the published build as a folder that works offline.

    FOLDER/index.html, the overview: topic table (label, size, keywords, trend),
    topic sizes, intertopic map, document map (at most 5,000 documents, sampled
    by topic), topics over time, topics per class and the hierarchy.

    FOLDER/topics/<id>.html, a page per topic: keywords with weights, trend,
    class mix, nearest topics, representative documents.

    The pages load FOLDER/plotly.min.js by a relative path: open index.html from
    disk, no network needed. Prints what was written as JSON.
    """
    summary = run_report(ctx.obj, collection, out, document_url)
    typer.echo(json.dumps(summary, indent=2))

"""`corpusmap diff`: what changed in a collection's topics between two builds.
Registered on the app in `indexer.cli.app`."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

import typer

from corpusmap.builds.changes import build_changes
from corpusmap.builds.registry import BuildRegistry
from corpusmap.config import Settings


def run_diff(
    settings: Settings, collection: str, from_build: str | None, to_build: str | None
) -> dict[str, Any]:
    """The topic changes between two builds, as JSON-able data (from their topics.json
    files: no Milvus is opened, so this works while the API serves)."""
    registry = BuildRegistry(settings.data_dir)
    return asdict(build_changes(registry, collection, from_build, to_build))


def diff(
    ctx: typer.Context,
    collection: Annotated[str, typer.Argument(help="Collection whose builds to compare.")],
    build_a: Annotated[
        str | None,
        typer.Argument(help="The earlier build; default: the one before BUILD_B."),
    ] = None,
    build_b: Annotated[
        str | None, typer.Argument(help="The later build; default: the published one.")
    ] = None,
) -> None:
    """Print as JSON what changed in the topics from BUILD_A to BUILD_B (default: the
    build before the published one, and the published one).

    Topic ids are stable across builds, so a topic is compared with itself: new,
    gone, grown, shrunk (sizes and shares), split (one topic into several) and
    merged (several into one), each with the documents that moved. Build ids are
    listed by `corpusmap builds COLLECTION`.
    """
    typer.echo(json.dumps(run_diff(ctx.obj, collection, build_a, build_b), indent=2))

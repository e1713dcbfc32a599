"""The build commands of the CLI: `builds` lists a collection's versions, `rollback`
publishes the one before. Registered on the app in `indexer.cli.app`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from indexer.cli import commands


def builds(
    ctx: typer.Context,
    collection: Annotated[str, typer.Argument(help="Collection whose builds to list.")],
) -> None:
    """List a collection's builds (oldest first): status, kind, documents, which is published.

    Every index run, `--add` run and topic refit makes a new build; the API serves
    the published one and moves to a new one when it is complete.
    """
    typer.echo(json.dumps(commands.run_builds(ctx.obj, collection), indent=2))


def rollback(
    ctx: typer.Context,
    collection: Annotated[str, typer.Argument(help="Collection to roll back.")],
) -> None:
    """Publish the complete build before the published one (a running API follows)."""
    typer.echo(json.dumps(commands.run_rollback(ctx.obj, collection), indent=2))

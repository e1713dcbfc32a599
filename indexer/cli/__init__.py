"""The `corpusmap` command line (typer): `app` holds the commands, `main` runs them.

Each command's work lives in `commands` (and `builds`, `config`, `report`); `app` only
parses arguments.
"""

from indexer.cli.app import app, main

__all__ = ["app", "main"]

"""`python -m indexer` runs the `corpusmap` command line."""

from indexer.cli.main import main

main()

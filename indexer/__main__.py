"""`python -m indexer` runs the `corpusmap` command line."""

from indexer.cli.app import main

main()

"""`python -m indexer` runs the `corpusmap` command line."""

from indexer.cli import main

main()

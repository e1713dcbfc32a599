"""Batch indexing pipeline and the `corpusmap` command line."""

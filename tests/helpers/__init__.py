"""Helpers shared by the tests: corpora, servers and the layout check."""

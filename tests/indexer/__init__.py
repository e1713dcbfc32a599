"""Tests of indexer."""

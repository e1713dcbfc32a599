"""indexer.reading."""

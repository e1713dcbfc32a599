"""indexer.cli."""

"""indexer.pipeline."""

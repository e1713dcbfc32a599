"""indexer.evaluation."""

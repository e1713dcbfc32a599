"""`corpusmap eval` (retrieval on a BEIR folder) and `eval-topics` (topic quality)."""

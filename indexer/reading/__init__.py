"""Reading corpora: CSV/TSV, JSON Lines, Parquet and hub datasets as `Document`s.

Bad rows are counted and reported (`ReadReport`), never fatal. Public API:
`read_corpus`, `mapping_from_options`, `ReadReport`, `RowProblem`, `PRESETS`.
"""

from indexer.reading.presets import PRESETS, mapping_from_options
from indexer.reading.report import ReadReport, RowProblem
from indexer.reading.sources import read_corpus

__all__ = ["PRESETS", "ReadReport", "RowProblem", "mapping_from_options", "read_corpus"]

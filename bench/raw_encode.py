"""Child process: raw SentenceTransformer.encode over a CSV column, the baseline."""

from __future__ import annotations

import json
import sys
import time

import pandas as pd
from sentence_transformers import SentenceTransformer

from corpusmap.embedding.models import resolve_model


def main() -> None:
    """Encode the first `limit` texts of the given CSV files; print docs/s as JSON."""
    model_name, batch_size, limit, *paths = sys.argv[1:]
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths]
    frame = pd.concat(frames, ignore_index=True)
    texts = (frame["patent_title"] + "\n\n" + frame["patent_abstract"]).tolist()[: int(limit)]
    model = SentenceTransformer(resolve_model(model_name))
    model.encode(texts[:64], batch_size=int(batch_size))  # warm-up
    started = time.perf_counter()
    model.encode(texts, batch_size=int(batch_size), normalize_embeddings=True)
    seconds = time.perf_counter() - started
    print(json.dumps({"docs": len(texts), "seconds": seconds, "docs_per_s": len(texts) / seconds}))


if __name__ == "__main__":
    main()

"""What a build keeps beside its Milvus rows, so later builds (refit, `--add`) need
neither the sources nor the served Milvus: its documents as Parquet (vectors come
from the embedding cache) and its topic partition as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from corpusmap.documents import Document, date_to_int, int_to_date
from corpusmap.store.topic_store import TopicSummary

SNAPSHOT_FILE = "documents.parquet"

_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.large_string()),
        ("title", pa.string()),
        ("date", pa.int32()),
        ("cpc", pa.list_(pa.string())),
        ("labels", pa.list_(pa.string())),
        ("metadata", pa.string()),
    ]
)


class SnapshotWriter:
    """Appends chunks of documents to a build's snapshot."""

    def __init__(self, path: Path):
        self.path = path
        self._writer = pq.ParquetWriter(path, _SCHEMA, compression="zstd")

    def write(self, docs: Sequence[Document]) -> None:
        """Append documents."""
        columns = {
            "id": [d.id for d in docs],
            "text": [d.text for d in docs],
            "title": [d.title for d in docs],
            "date": [date_to_int(d.date) for d in docs],
            "cpc": [list(d.cpc) for d in docs],
            "labels": [list(d.labels) for d in docs],
            "metadata": [json.dumps(d.metadata, ensure_ascii=False) for d in docs],
        }
        self._writer.write_table(pa.table(columns, schema=_SCHEMA))

    def close(self) -> None:
        """Finish the file (a snapshot is readable only once closed)."""
        self._writer.close()

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def read_snapshot(path: Path, *, batch_size: int = 1024) -> Iterator[Document]:
    """The documents of a snapshot, in the order they were written, streamed."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_size):
        for row in batch.to_pylist():
            yield Document(
                id=row["id"],
                text=row["text"],
                title=row["title"],
                date=int_to_date(row["date"]),
                cpc=tuple(row["cpc"]),
                labels=tuple(row["labels"]),
                metadata=json.loads(row["metadata"]),
            )


def snapshot_ids(path: Path) -> set[str]:
    """The document ids in a snapshot (one column read)."""
    return set(pq.read_table(path, columns=["id"]).column("id").to_pylist())


TOPICS_FILE = "topics.json"


@dataclass
class Partition:
    """A build's topics: each document's topic, the topic summaries and their vectors.

    Topic ids are stable across builds (`corpusmap.topics.matching`): `next_topic_id`
    is the first id never given in this build or any build before it, so an id a
    refit retires is never handed out again.
    """

    assignments: dict[str, int]
    summaries: list[TopicSummary]
    vectors: npt.NDArray[np.float32]
    next_topic_id: int = 0
    #: Each document's topic mixture, [(topic, weight), ...] ({}: saved before mixtures).
    mixtures: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        highest = max((s.topic_id for s in self.summaries), default=-1)
        self.next_topic_id = max(self.next_topic_id, highest + 1)


def save_partition(path: Path, partition: Partition) -> None:
    """Write a build's topics beside its rows (so later builds can keep them)."""
    data = {
        "assignments": partition.assignments,
        "summaries": [asdict(s) for s in partition.summaries],
        "vectors": partition.vectors.tolist(),
        "next_topic_id": partition.next_topic_id,
        "mixtures": {d: [[t, w] for t, w in m] for d, m in partition.mixtures.items()},
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def load_partition(path: Path) -> Partition | None:
    """A build's topics, None when it has none (indexed without topics)."""
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    summaries = [
        TopicSummary(
            topic_id=int(s["topic_id"]),
            label=s["label"],
            size=int(s["size"]),
            keywords=[(str(w), float(v)) for w, v in s["keywords"]],
            representative_ids=list(s["representative_ids"]),
        )
        for s in data["summaries"]
    ]
    vectors = np.asarray(data["vectors"], dtype=np.float32)
    # A partition written before ids were stable lacks `next_topic_id`: its highest id + 1.
    mixtures = {d: [(int(t), float(w)) for t, w in m] for d, m in data.get("mixtures", {}).items()}
    next_id = int(data.get("next_topic_id", 0))
    return Partition(data["assignments"], summaries, vectors, next_id, mixtures)

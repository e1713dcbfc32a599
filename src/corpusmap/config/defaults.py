"""Every default and named choice of corpusmap, defined once.

`Settings` takes its defaults from here; the search code, the API models and the
command line take the enums, so a mode or fusion method is spelled in one place.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal


class SearchMode(StrEnum):
    """How a search ranks documents; each mode's score means something else."""

    DENSE = "dense"
    KEYWORD = "keyword"
    HYBRID = "hybrid"


class FusionMethod(StrEnum):
    """How hybrid search fuses its dense and keyword rankings (see `corpusmap.search`)."""

    ADAPTIVE = "adaptive"
    AGREEMENT = "agreement"
    CONVEX = "convex"
    RRF = "rrf"


class Backend(StrEnum):
    """The runtime that computes embeddings."""

    AUTO = "auto"  # openvino on the CPU where it is installed, else torch
    TORCH = "torch"
    ONNX = "onnx"
    ONNX_INT8 = "onnx-int8"
    OPENVINO = "openvino"


class QueryBackend(StrEnum):
    """The runtime that embeds search queries."""

    AUTO = "auto"
    TORCH = "torch"
    ONNX = "onnx"


class VectorIndex(StrEnum):
    """The vector index of a collection on a Milvus server (Milvus Lite is always FLAT)."""

    AUTO = "auto"  # the server's AUTOINDEX
    FLAT = "flat"  # exact
    HNSW = "hnsw"
    IVF_FLAT = "ivf_flat"


#: HNSW graph degree, build-time and search-time candidate lists (Milvus's defaults
#: for M and efConstruction; ef above top_k x 2, which searches fetch).
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 200
HNSW_EF = 256
#: IVF clusters, and clusters probed per search.
IVF_NLIST = 1024
IVF_NPROBE = 32


#: What a hit's `score` is: a cosine similarity, a BM25 score, a fused score, or none
#: (a document listed, not searched for: a topic's documents).
ScoreKind = Literal["cosine", "bm25", "fused", "none"]
#: What a hit's `score` is in each search mode (the `score_kind` of responses).
SCORE_KINDS: Final[dict[SearchMode, ScoreKind]] = {
    SearchMode.DENSE: "cosine",
    SearchMode.KEYWORD: "bm25",
    SearchMode.HYBRID: "fused",
}
#: The score of more-like-this (`similar`): a dense search from a document's vector.
SIMILAR_SCORE_KIND: Final[ScoreKind] = "cosine"

DEFAULT_MODE: Final = SearchMode.HYBRID
#: Deepest hit a search pages to or exports (offset + top_k), and the candidates its
#: facets are counted over.
MAX_SEARCH_DEPTH: Final = 1000
DEFAULT_FUSION: Final = FusionMethod.ADAPTIVE
#: Weight of dense scores in convex fusion.
DEFAULT_HYBRID_ALPHA: Final = 0.8
#: Candidates per ranking that fusion normalises over; every hybrid search fetches at
#: least this many from each half (2 * top_k when that is more).
FUSION_DEPTH: Final = 100
#: Adaptive fusion: BM25 points per query term at which dense and BM25 weigh the same,
#: and how fast the weight moves away from equal (per point). Fitted leave-one-set-out
#: on the shared BEIR sets; every fold chose these (bench.retrieval, docs/retrieval.md).
ADAPTIVE_PIVOT: Final = 6.0
ADAPTIVE_SLOPE: Final = 0.5
#: The stop words of the keyword analyzer (Milvus "english", Lucene's English list):
#: adaptive fusion does not count them as query terms.
KEYWORD_STOP_WORDS: Final = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the "  # noqa: SIM905
    "their then there these they this to was will with".split()
)
#: Compound matching on the keyword side (`corpusmap.store.vocabulary`): a query word
#: splits into two words the collection writes apart ("curveballs": "curve ball"), two
#: adjacent query words join into one term of it ("base plate": "baseplate"). Measured
#: on the shared BEIR sets and the patent abstracts: bench/results/compounds.json.
KEYWORD_COMPOUNDS: Final = True
#: Fewest characters of each part of a split or joined compound.
COMPOUND_MIN_PART: Final = 3
#: Fewest passage rows that must write the other spelling (the parts side by side, or
#: the joined term), and the least share of the rows writing the query's spelling it must
#: reach: a spelling the collection rarely uses beside a common one adds noise, not matches.
COMPOUND_MIN_ROWS: Final = 2
COMPOUND_MIN_SHARE: Final = 0.25
#: Milvus' BM25 parameters (its defaults, which corpusmap's index keeps). A split
#: compound's parts written side by side count as one more BM25 term with them
#: (`corpusmap.store.phrases`).
BM25_K1: Final = 1.2
BM25_B: Final = 0.75
DEFAULT_MODEL: Final = "minilm"
#: torch stays the default. `auto` (OpenVINO on the CPU, torch on a GPU) is 3.9x plain
#: sentence-transformers on the CPU of bench/results/encoding.json at cosine 0.99999 to
#: torch's vectors and nDCG@10 within 0.0002 on the three shared BEIR sets, but the topic
#: fit of the 1,100 claims on its vectors differs (11 topics, not 10, one label below
#: LABEL_COHERENCE_FLOOR): the fit must first hold still under such small differences.
DEFAULT_BACKEND: Final = Backend.TORCH
#: Embedding batch sizes when none is set: the fastest measured on each (bench.encoding).
CPU_BATCH_SIZE: Final = 16
GPU_BATCH_SIZE: Final = 64
#: onnx-int8 embeds one text per run, whatever the batch size: its dynamic quantisation
#: scales each MatMul's activations over the whole batch (padding too), so batch-mates
#: would change a text's vector. One at a time, a vector depends on its own text only,
#: as a query's does. Measured in one run on bench.encoding's 2,250 documents: 100.2
#: docs/s one at a time against 102.6 at 16.
INT8_BATCH_SIZE: Final = 1
#: Text kept per document in Milvus, in characters.
MAX_TEXT_CHARS: Final = 20_000
#: Documents embedded, cached and inserted per step of an index run.
CHUNK_SIZE: Final = 1024
#: Folder under the data dir holding the vectors a Ray run's actors wrote (Parquet shards).
RAY_SHARDS_DIR: Final = "ray_shards"
#: Rows per Milvus insert.
INSERT_BATCH_SIZE: Final = 1000
#: Most documents left in the outlier topic -1 after a topic fit.
MAX_OUTLIER_SHARE: Final = 0.10
#: A topic holding this share of a fit's documents or more, and twice the median topic's
#: size, is clustered again on its own, and reassigned outliers never fill a topic to
#: that size (`corpusmap.topics.clustering`): on the 1,100 claims one topic of 27.6%
#: held sheet feeders, grain hullers and exercise devices.
MAX_TOPIC_SHARE: Final = 0.15
#: A topic label whose words' NPMI over the corpus is below this is reported as
#: incoherent by `eval-topics`: its words appear together less often than apart. Every
#: label on the shared claims and abstracts scores -0.005 or more ("physiological,
#: cardiac, medical"); the incoherent ones first seen there scored -0.17 to -0.50.
LABEL_COHERENCE_FLOOR: Final = -0.1
#: Above this many documents, topics are clustered on a sample of this size.
TOPIC_SAMPLE_SIZE: Final = 50_000
DEFAULT_SEED: Final = 42
#: URI schemes of a Milvus server; any other `milvus_uri` is refused.
SERVER_SCHEMES: Final = ("http://", "https://", "tcp://")
#: Seconds to wait for a Milvus Lite file's server to accept connections. pymilvus
#: waits 10 s, which a loaded 2-core machine has exceeded while the server it had just
#: started was opening its file; servers keep pymilvus' default.
LITE_CONNECT_TIMEOUT_S: Final = 60.0
#: The one-time query that tells whether a Milvus server takes `filter_params`
#: (`corpusmap.store.templating`); a server without templating may retry it until then.
FILTER_PARAMS_PROBE_TIMEOUT_S: Final = 10.0
#: Stable topic ids (`corpusmap.topics.matching`): a refit's topic keeps the id of the
#: published build's topic it is matched to (one to one, Hungarian on overlap + cosine)
#: when at least this Jaccard overlap of their documents present in both builds is
#: shared: a topic split in three keeps its id for one part (each part about a third).
TOPIC_MATCH_MIN_OVERLAP: Final = 0.3
#: ... or, with less overlap (e.g. a rebuild that renamed the documents), when their
#: centroids are at least this cosine-similar: far above what distinct topics of one
#: corpus reach (MiniLM, 300 AG News stories and 40 claims: at most 0.52).
TOPIC_MATCH_MIN_COSINE: Final = 0.95
#: Topic changes (`corpusmap.topics.changes`): an old topic split when at least two new
#: topics each took this share of its documents; a new one merged when at least two
#: old topics each gave this share of its documents.
TOPIC_SPLIT_SHARE: Final = 0.2
#: Document ids listed per topic change (the count is always whole).
CHANGED_IDS_SHOWN: Final = 20
#: Topic mixtures (`corpusmap.topics.mixture`): topics kept per document, at most.
MIXTURE_TOPICS: Final = 3
#: A second or third topic weighing less than this (after normalising) is dropped.
MIXTURE_MIN_WEIGHT: Final = 0.15
#: Softmax temperature over a document's cosine similarities to the topic centroids:
#: a cosine 0.05 higher weighs e (2.7) times more.
MIXTURE_TEMPERATURE: Final = 0.05
#: For a document of several passages, the share of its mixture taken from its
#: passages' nearest topics (the rest from the document vector's softmax).
MIXTURE_PASSAGE_SHARE: Final = 0.5

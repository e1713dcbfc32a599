"""The vector index settings: the spec a server collection gets, recorded in its
description and read back; Milvus Lite always FLAT; HNSW's ef raised to a search's
depth (Milvus refuses ef below the limit)."""

from __future__ import annotations

from corpusmap.config import Settings, VectorIndex
from corpusmap.store.passages import candidates_for
from corpusmap.store.schema import CollectionMeta
from corpusmap.store.vector_index import AUTO, FLAT, IndexSpec, effective_index, index_spec


def test_settings_choose_the_index_and_its_parameters():
    assert index_spec(Settings()) == AUTO
    hnsw = index_spec(Settings(vector_index=VectorIndex.HNSW, hnsw_m=32, hnsw_ef=100))
    assert hnsw == IndexSpec("HNSW", {"M": 32, "efConstruction": 200}, {"ef": 100})
    ivf = index_spec(Settings(vector_index=VectorIndex.IVF_FLAT, ivf_nlist=64, ivf_nprobe=8))
    assert ivf == IndexSpec("IVF_FLAT", {"nlist": 64}, {"nprobe": 8})
    assert index_spec(Settings(vector_index=VectorIndex.FLAT)) == FLAT


def test_lite_is_always_flat_and_a_server_gets_what_was_asked():
    hnsw = IndexSpec("HNSW", {"M": 8}, {"ef": 16})
    assert effective_index(hnsw, lite=True) == FLAT
    assert effective_index(hnsw, lite=False) == hnsw
    assert effective_index(None, lite=False) == AUTO


def test_the_description_records_the_index_and_older_ones_read_without():
    meta = CollectionMeta("minilm", 384, index=IndexSpec("HNSW", {"M": 8}, {"ef": 16}))
    assert CollectionMeta.from_description(meta.to_description()) == meta
    old = '{"corpusmap": 2, "model": "minilm", "dimension": 384}'
    assert CollectionMeta.from_description(old) == CollectionMeta("minilm", 384, schema_version=2)


def test_hnsw_ef_is_raised_to_the_search_depth_and_nothing_else_changes():
    request = {"search_params": {"metric_type": "COSINE", "params": {"ef": 16}}, "filter": ""}
    assert candidates_for(request, 200)["search_params"]["params"] == {"ef": 200}
    assert candidates_for(request, 10) is request
    plain = {"search_params": {"metric_type": "BM25", "params": {}}}
    assert candidates_for(plain, 200) is plain

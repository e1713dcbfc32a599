"""corpusmap: semantic search and topic modeling for document collections, on Milvus.

The core library: settings, documents, embedding, the Milvus store, safe filters
and topic modeling. It has no web or CLI code; the `indexer` and `api` apps build
on it.
"""

__version__ = "0.1.0"

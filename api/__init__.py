"""The corpusmap HTTP API (FastAPI): search, documents and topics over Milvus."""

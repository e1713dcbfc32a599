"""Start the milvus-lite 3.x gRPC server for tests/api/test_milvus_server.py.

Runs with the server venv's Python (`.venv-milvus-server/bin/python`, made by
`make milvus-server-venv`), never with the project's: it imports milvus-lite 3.x,
whose pure-Python engine speaks the Milvus gRPC protocol, while the project keeps
milvus-lite 2.5.1 as its embedded store.

Two shims, for gaps of this test server and not of Milvus (corpusmap is not
bent to them):

- milvus-lite 3.2.2 knows the `standard` and `jieba` analyzers only, and refuses
  corpusmap's BM25 field (`{"type": "english"}`, a built-in analyzer of every
  Milvus 2.5+ server) with "unknown tokenizer type". Here `english` becomes the
  standard tokenizer with Lucene's English stop words; stemming is not
  reproduced, so the tests do not check stemmed keyword matches.
- it drops the collection description (DescribeCollection returns ""), where
  Milvus keeps it; corpusmap records each collection's model and dimension
  there. Here the description is kept in the collection's properties and put
  back into DescribeCollection's schema.

- its gRPC server keeps grpc's default keepalive enforcement, which answers the
  pings pymilvus sends every 10 s on an idle channel with GOAWAY "too many pings",
  so a client idle for a while (an API worker between requests) loses its channel.
  Milvus permits those pings (a 5 s minimum interval, pings without calls); here the
  server is given the same policy.

    python tests/helpers/milvus_server_main.py --data-dir DIR --port PORT
"""

from __future__ import annotations

import argparse
from typing import Any

DESCRIPTION_PROPERTY = "corpusmap_tests.description"

#: Lucene's English stop words, which Milvus's `english` analyzer removes.
_STOP_WORDS = (
    "a an and are as at be but by for if in into is it no not of on or such that the "
    "their then there these they this to was will with"
)
ENGLISH_STOP_WORDS = frozenset(_STOP_WORDS.split())


def _accept_english_analyzer() -> None:
    """Let the server build `{"type": "english"}` analyzers (see the module docstring)."""
    from milvus_lite.analyzer import factory
    from milvus_lite.analyzer.standard import StandardAnalyzer

    build_by_name = factory._build_by_name

    def build(name: str, **options: object) -> object:
        if name == "english":
            return StandardAnalyzer(stop_words=set(ENGLISH_STOP_WORDS))
        return build_by_name(name, **options)

    factory._build_by_name = build


def _keep_descriptions() -> None:
    """Keep the schema description across CreateCollection / DescribeCollection."""
    from milvus_lite.adapter.grpc import servicer

    to_lite = servicer.milvus_to_milvus_lite_schema
    to_milvus = servicer.milvus_lite_to_milvus_schema

    def decode(proto: Any) -> Any:
        schema = to_lite(proto)
        if proto.description:
            schema.properties[DESCRIPTION_PROPERTY] = proto.description
        return schema

    def encode(name: str, schema: Any) -> Any:
        proto = to_milvus(name, schema)
        proto.description = schema.properties.get(DESCRIPTION_PROPERTY, "")
        return proto

    servicer.milvus_to_milvus_lite_schema = decode
    servicer.milvus_lite_to_milvus_schema = encode


#: Milvus's own keepalive enforcement: pings every 5 s or more, with or without calls.
KEEPALIVE_OPTIONS = [
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 5000),
    ("grpc.http2.min_ping_interval_without_data_ms", 5000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_ping_strikes", 0),
]


def _permit_keepalive_pings() -> None:
    """Build the server with Milvus's keepalive policy (see the module docstring)."""
    import grpc

    make = grpc.server

    def build(*args: Any, options: list[tuple[str, Any]] | None = None, **kw: Any) -> Any:
        return make(*args, options=[*(options or []), *KEEPALIVE_OPTIONS], **kw)

    grpc.server = build  # this process runs only the test server


def main() -> None:
    """Parse the flags and serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    _accept_english_analyzer()
    _keep_descriptions()
    _permit_keepalive_pings()
    from milvus_lite.adapter.grpc.server import run_server

    run_server(data_dir=args.data_dir, host=args.host, port=args.port)


if __name__ == "__main__":
    main()

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

One opt-in emulation, `--expr-templates`: milvus-lite 3.2.2 ignores a request's
`expr_template_values` (pymilvus' `filter_params`, Milvus 2.5+) and fails to parse
the placeholder ("unexpected character '{' at column 6"). With the flag, each
`{name}` placeholder of a Query or Search is lexed straight into the literal tokens
of its template value (a string token holds the string itself: nothing is quoted or
re-parsed), as Milvus fills a parsed plan's template variables; the filter cache is
skipped for such requests. Without the flag the server is as released, so the tests
also see corpusmap fall back where templating is missing.

    python tests/helpers/milvus_server_main.py --data-dir DIR --port PORT [--expr-templates]
"""

from __future__ import annotations

import argparse
import contextvars
import dataclasses
import re
from collections.abc import Iterator
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


#: The decoded template values of the request being served (None: not templated).
_TEMPLATE_VALUES: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "template_values", default=None
)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _template_value(proto: Any) -> Any:
    """A `schema_pb2.TemplateValue` as Python: a scalar, or a list for `array_val`."""
    kind = proto.WhichOneof("val")
    if kind != "array_val":
        return getattr(proto, kind)
    data = proto.array_val.WhichOneof("data")
    return list(getattr(proto.array_val, data).data) if data else []


def _value_tokens(value: Any, pos: int) -> list[Any]:
    """The literal tokens of one template value, as the lexer makes them."""
    from milvus_lite.search.filter.tokens import Token, TokenKind

    if isinstance(value, list):
        tokens = [Token(TokenKind.LBRACKET, "[", pos)]
        for n, item in enumerate(value):
            tokens += [Token(TokenKind.COMMA, ",", pos)] if n else []
            tokens += _value_tokens(item, pos)
        return [*tokens, Token(TokenKind.RBRACKET, "]", pos)]
    kind = {bool: TokenKind.BOOL, int: TokenKind.INT, float: TokenKind.FLOAT}.get(
        type(value), TokenKind.STRING
    )
    return [Token(kind, "{template}", pos, value=value)]


def _placeholders(source: str) -> Iterator[re.Match[str]]:
    """The `{name}` placeholders of an expression outside its string literals (pymilvus'
    query iterator appends `id > "<last key>"`, and a key may hold braces)."""
    quote, i = "", 0
    while i < len(source):
        ch = source[i]
        if quote:
            quote = "" if ch == quote else quote
            i += 2 if ch == "\\" else 1
            continue
        match = _PLACEHOLDER.match(source, i)
        if match:
            yield match
            i = match.end()
            continue
        quote = ch if ch in "\"'" else ""
        i += 1


def _templated_tokenize(tokenize: Any) -> Any:
    def lex(source: str) -> list[Any]:
        values = _TEMPLATE_VALUES.get()
        if not values:
            return tokenize(source)
        tokens: list[Any] = []
        start = 0
        for match in _placeholders(source):
            head = tokenize(source[start : match.start()])[:-1]  # less its EOF
            tokens += [dataclasses.replace(t, pos=t.pos + start) for t in head]
            tokens += _value_tokens(values[match.group(1)], match.start())
            start = match.end()
        tail = tokenize(source[start:])
        return tokens + [dataclasses.replace(t, pos=t.pos + start) for t in tail]

    return lex


def _accept_expr_templates() -> None:
    """Serve `expr_template_values` on Query and Search (see the module docstring)."""
    from milvus_lite.adapter.grpc import servicer
    from milvus_lite.engine.collection import Collection
    from milvus_lite.search.filter import compile_filter, parser

    parser.tokenize = _templated_tokenize(parser.tokenize)
    cached = Collection._compile_filter

    def compile_uncached(self: Any, expr_str: str, timezone: str | None = None) -> Any:
        if _TEMPLATE_VALUES.get() is None:
            return cached(self, expr_str, timezone)
        zone = self._effective_timezone(timezone)
        return compile_filter(expr_str, self._schema, default_timezone=zone)

    Collection._compile_filter = compile_uncached
    for name in ("Query", "Search"):
        setattr(
            servicer.MilvusServicer, name, _with_templates(getattr(servicer.MilvusServicer, name))
        )


def _with_templates(handler: Any) -> Any:
    def serve(self: Any, request: Any, context: Any) -> Any:
        values = {k: _template_value(v) for k, v in request.expr_template_values.items()}
        token = _TEMPLATE_VALUES.set(values or None)
        try:
            return handler(self, request, context)
        finally:
            _TEMPLATE_VALUES.reset(token)

    return serve


def main() -> None:
    """Parse the flags and serve until killed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--expr-templates", action="store_true")
    args = parser.parse_args()
    if args.expr_templates:
        _accept_expr_templates()
    _accept_english_analyzer()
    _keep_descriptions()
    _permit_keepalive_pings()
    from milvus_lite.adapter.grpc.server import run_server

    run_server(data_dir=args.data_dir, host=args.host, port=args.port)


if __name__ == "__main__":
    main()

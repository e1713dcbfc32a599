"""Whether a Milvus connection takes `filter_params`, and the filter arguments of a call.

Milvus 2.5 and later parse placeholders (`doc_id in {p0}`) and take their values
from the request's template values (`filter_params`); then no user value is ever
in an expression string. Milvus Lite 2.5.1 has no templating (a templated query
fails there with "Unexpected error in RPC handling", retried until its timeout), so
on Lite filters are always spliced and nothing is probed. On a server the first call
whose filter has placeholders probes once: a query `<primary key> == {p0}` with
a `filter_params` value on that call's collection. If it fails while the same query
spliced succeeds, the server has no templating (milvus-lite 3.2.2, the test server,
answers "unexpected character '{' at column N") and every later filter is spliced;
if both fail the collection is the problem, nothing is recorded and the next call
probes again.

pymilvus 2.6.17's query iterator pages by appending `<key> > "<last key>"` to the
expression itself, unescaped; row keys percent-encode quotes and backslashes
(`corpusmap.store.schema.row_key`), so that clause stays a plain literal.
"""

from __future__ import annotations

import logging
from typing import Any

from pymilvus import DataType, MilvusClient, MilvusException

from corpusmap.config.defaults import FILTER_PARAMS_PROBE_TIMEOUT_S
from corpusmap.store.filters import Filter, as_filter, compared

log = logging.getLogger(__name__)


class FilterArguments:
    """The filter keyword arguments of one client's calls: templated or spliced."""

    def __init__(self, client: MilvusClient, *, lite: bool):
        self._client = client
        #: True: send placeholders and `filter_params`; False: splice; None: not probed.
        self.templating: bool | None = False if lite else None

    def __call__(self, name: str, where: Filter | str) -> dict[str, Any]:
        """`filter` (and, where the server takes them, `filter_params`) for a query or
        search on collection `name`."""
        flt = as_filter(where)
        if not flt.params:
            return {"filter": flt.expr}
        if self.templating is None:
            self.templating = self._probe(name)
        if self.templating:
            return {"filter": flt.expr, "filter_params": flt.filter_params()}
        return {"filter": flt.spliced()}

    def for_iterator(self, name: str, where: Filter | str) -> dict[str, Any]:
        """The same for `query_iterator`, which hands its extra keyword arguments to each
        page's query unread: the template values go as `expr_params` there."""
        arguments = self(name, where)
        if "filter_params" in arguments:
            arguments["expr_params"] = arguments.pop("filter_params")
        return arguments

    def _probe(self, name: str) -> bool | None:
        try:
            key, probe = self._probe_filter(name)
        except MilvusException:
            return None  # no such collection (yet): decide on a later call
        try:
            self._query(name, key, filter=probe.expr, filter_params=probe.filter_params())
            return True
        except MilvusException as exc:
            refused = exc.message
        try:
            self._query(name, key, filter=probe.spliced())
        except MilvusException:
            return None  # not templating's fault: decide on a later call
        log.info("this Milvus takes no filter_params (%s): filters are spliced", refused[:200])
        return False

    def _probe_filter(self, name: str) -> tuple[str, Filter]:
        """The collection's primary key, and a lookup by a value of its type."""
        fields = self._client.describe_collection(name)["fields"]
        key = next(f for f in fields if f.get("is_primary"))
        value = "" if key["type"] == DataType.VARCHAR else 0
        return key["name"], compared(key["name"], "==", value)

    def _query(self, name: str, key: str, **filter_arguments: Any) -> None:
        self._client.query(
            name,
            output_fields=[key],
            limit=1,
            timeout=FILTER_PARAMS_PROBE_TIMEOUT_S,
            **filter_arguments,
        )

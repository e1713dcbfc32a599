"""The `{doc_id:docid}` path parameter: any document id, '/' and control characters too.

Starlette decodes `%2F` before routing, so `{doc_id}` (no '/') cannot reach `a/b`, and
`{doc_id:path}` (`.*`) stops at a newline. This one takes every character; routes
with a suffix (`/similar`) are registered before the plain document route.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class DocIdConvertor(Convertor[str]):
    """Every character, at least one."""

    regex = r"[\s\S]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("docid", DocIdConvertor())

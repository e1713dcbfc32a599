"""Every URL the app builds from data: path parts percent-encoded with
`quote(value, safe="")`, query strings with `urlencode`, never spliced raw."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlencode

from corpusmap.reports.pages import app_document_url
from corpusmap.reports.templating import NavLink, with_id

__all__ = [
    "NavLink",
    "changes_url",
    "document_url",
    "export_url",
    "part",
    "patent_url",
    "query_string",
    "report_url",
    "search_url",
    "topic_url",
]

#: Query values of a search: one string, or several (cpc, labels).
QueryValues = Mapping[str, str | Sequence[str] | None]
_US_PATENT = re.compile(r"^(?:US)?(\d{6,8}|RE\d{5}|D\d{6}|PP\d{5})(?:[A-Z]\d?)?$")


def part(value: object) -> str:
    """One path segment: every reserved character encoded, '/' too."""
    return quote(str(value), safe="")


def query_string(values: QueryValues) -> str:
    """`?a=1&b=x&b=y` of the non-empty values (lists repeat their key), or ''."""
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        if value is None or value == "":
            continue
        items = [value] if isinstance(value, str) else list(value)
        pairs.extend((key, str(v)) for v in items if str(v) != "")
    return f"?{urlencode(pairs)}" if pairs else ""


def search_url(collection: str, values: QueryValues | None = None) -> str:
    """The search page of a collection, with a search's parameters."""
    return f"/ui/collections/{part(collection)}/search{query_string(values or {})}"


def document_url(collection: str, doc_id: str) -> str:
    """The document page of one document."""
    return with_id(app_document_url("", collection), doc_id)


def topic_url(collection: str, topic: int) -> str:
    """The topic's page in the served landscape (the topic report)."""
    return f"/collections/{part(collection)}/report/topics/{part(topic)}"


def report_url(collection: str) -> str:
    """The landscape: the served topic report's overview."""
    return f"/collections/{part(collection)}/report"


def changes_url(collection: str, values: QueryValues | None = None, *, page: bool = True) -> str:
    """What changed in the topics between two builds (`from`, `to`): the page, or the JSON."""
    prefix = "/ui" if page else ""
    return f"{prefix}/collections/{part(collection)}/topics/changes{query_string(values or {})}"


def export_url(collection: str, values: QueryValues, kind: str) -> str:
    """The download of a search's hits as `csv` or `jsonl`."""
    return f"/collections/{part(collection)}/export{query_string({**values, 'format': kind})}"


def patent_url(doc_id: str) -> str | None:
    """The public page of a US patent number (e.g. 8715107, US8715107B2), else None."""
    match = _US_PATENT.match(doc_id.strip().upper())
    return f"https://patents.google.com/patent/US{match.group(1)}" if match else None

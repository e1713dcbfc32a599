"""Request models of the API: what a client may send, checked before any route runs.

Unknown fields are refused (`extra="forbid"`): a misspelled filter would otherwise be
dropped silently and widen the result. A list is a JSON array: `"labels": "A"` is a
422, as the schema says. Text must be whole Unicode, and numbers that
reach a Milvus expression are bounded, so a value Milvus cannot parse is a 422 here
rather than a failure inside Milvus.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from corpusmap.config import DEFAULT_MODE, MAX_SEARCH_DEPTH, SearchMode
from corpusmap.errors import UnsafeFilterValueError
from corpusmap.store.filters import SearchFilters, normalize_cpc, string_list_literal

#: Topic ids are small; the bound keeps huge integers out of Milvus expressions.
MAX_TOPIC_ID = 1_000_000
#: Milvus integers are 64-bit: a larger literal in a filter fails inside Milvus (a 5xx).
INT64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: Whitespace by any of the definitions that meet here (Python's `str.isspace`, which
#: has the separators \x1c-\x1f; Unicode's White_Space, which pydantic's patterns use;
#: ECMAScript's, which the schema's readers use, with \ufeff), spelled out so all agree.
_BLANKS = r"\t-\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
#: Text with something other than whitespace in it.
NOT_BLANK = f"[^{_BLANKS}]"
#: A CPC section or subclass as `normalize_cpc` reads it (any case, spaces around),
#: in the schema too, so that a client (or a fuzzer) knows what is valid.
CPC_PATTERN = r"^\s*[A-HYa-hy]([0-9][0-9][A-Za-z])?\s*$"


def _whole_unicode(value: str) -> str:
    """Refuse a lone surrogate (JSON allows "\\ud800"): UTF-8 cannot encode one, so the
    tokenizer and Milvus failed on it with a 500."""
    if _LONE_SURROGATE.search(value):
        raise ValueError("text holds a lone surrogate (an unpaired \\ud800-\\udfff escape)")
    return value


_WHOLE = AfterValidator(_whole_unicode)
#: Text from a JSON body: any Unicode, but whole. (Where it has constraints, they go
#: before `_WHOLE`, or the JSON schema loses them.)
UnicodeText = Annotated[str, _WHOLE]


def _json_number(value: Any) -> Any:
    """Refuse what lax parsing would read as a number: `"10"` and `true` (a float with
    no fraction, `3.0`, is an integer, as JSON Schema has it)."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a JSON number")
    return value


def _json_date(value: Any) -> Any:
    """Refuse a number as a date (lax parsing reads it as seconds since 1970)."""
    if isinstance(value, bool | int | float):
        raise PydanticCustomError("date_type", "Input should be a date as text (YYYY-MM-DD)")
    return value


#: Text that must not hold control characters (they cannot go into a filter).
_PLAIN = r"^[^\u0000-\u001f\u007f]*$"


def _top_k() -> Any:
    return Field(10, ge=1, le=100, description="Number of hits.")


def _topic() -> Any:
    return Field(None, ge=-1, le=MAX_TOPIC_ID, description="Only documents of this topic.")


class FilterParams(BaseModel):
    """How many hits and which documents may be hit; applied inside the vector search.

    As query parameters (`GET .../similar`) numbers arrive as text and are parsed; in a
    JSON body (`SearchRequest`) they must be JSON numbers: `"10"` and `true` are 422.
    """

    model_config = ConfigDict(extra="forbid")

    top_k: int = _top_k()
    topic: int | None = _topic()
    date_from: dt.date | None = Field(None, description="Earliest date (inclusive).")
    date_to: dt.date | None = Field(None, description="Latest date (inclusive).")
    cpc: list[Annotated[str, StringConstraints(pattern=CPC_PATTERN)]] = Field(
        default_factory=list,
        max_length=50,
        description="CPC sections ('G') or subclasses ('G06F'), any case; a document matches any.",
    )

    labels: list[
        Annotated[
            str,
            StringConstraints(min_length=1, max_length=256, pattern=_PLAIN),
            _WHOLE,
        ]
    ] = Field(
        default_factory=list, max_length=50, description="Class labels; a document matches any."
    )

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _dates_as_text(cls, value: Any) -> Any:
        return _json_date(value)

    @field_validator("labels")
    @classmethod
    def _labels_quotable(cls, value: list[str]) -> list[str]:
        try:
            string_list_literal(value)
        except UnsafeFilterValueError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("cpc")
    @classmethod
    def _cpc_codes(cls, value: list[str]) -> list[str]:
        try:
            return [normalize_cpc(code) for code in value]
        except UnsafeFilterValueError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _date_range(self) -> FilterParams:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self

    def filters(self) -> SearchFilters:
        """The typed filters for the store."""
        return SearchFilters(
            topic=self.topic,
            date_from=self.date_from,
            date_to=self.date_to,
            cpc=tuple(self.cpc),
            labels=tuple(self.labels),
        )


class SearchRequest(FilterParams):
    """A search by free text, with optional filters."""

    @field_validator("top_k", "topic", "offset", mode="before")
    @classmethod
    def _json_numbers(cls, value: Any) -> Any:
        return _json_number(value)  # a body is JSON: its numbers are JSON numbers

    query: Annotated[str, StringConstraints(max_length=4000, pattern=NOT_BLANK), _WHOLE] = Field(
        description="Free-text query (not blank)."
    )
    mode: SearchMode = Field(
        DEFAULT_MODE,
        description="dense: embeddings; keyword: BM25 over the text; hybrid (default): "
        "both, fused per document (CORPUSMAP_HYBRID_FUSION, CORPUSMAP_HYBRID_ALPHA).",
    )

    offset: int = Field(
        0,
        ge=0,
        le=MAX_SEARCH_DEPTH - 100,  # top_k is at most 100: the schema states the depth
        description=f"Hits to skip (paging); offset + top_k <= {MAX_SEARCH_DEPTH}.",
    )
    facets: bool = Field(
        False,
        strict=True,
        description=f"Also count topics, CPC sections and subclasses and years over the "
        f"search's best {MAX_SEARCH_DEPTH} candidates (not only the page). The page is then "
        "cut from that ranking, as the app's search page is; in hybrid mode its order can "
        "differ slightly from a search without facets, which fuses fewer candidates.",
    )

    metadata: dict[
        Annotated[UnicodeText, StringConstraints(max_length=64)],
        Annotated[str, StringConstraints(max_length=1024, pattern=_PLAIN), _WHOLE]
        | INT64
        | float
        | bool,
    ] = Field(
        default_factory=dict,
        max_length=10,
        description="Metadata field -> value it must equal; fields must be on the server's "
        "allowlist (CORPUSMAP_METADATA_FILTER_FIELDS).",
    )

    def filters(self) -> SearchFilters:
        """The typed filters for the store, metadata included."""
        return dataclasses.replace(super().filters(), metadata=dict(self.metadata))

    @field_validator("query")
    @classmethod
    def _query_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must contain text")
        return value

    @model_validator(mode="after")
    def _page_within_depth(self) -> SearchRequest:
        if self.offset + self.top_k > MAX_SEARCH_DEPTH:
            raise ValueError(f"offset + top_k must be at most {MAX_SEARCH_DEPTH}")
        return self


class ExportParams(FilterParams):
    """A search whose hits are downloaded (query parameters of the export endpoint)."""

    q: Annotated[str, StringConstraints(max_length=4000, pattern=NOT_BLANK), _WHOLE] = Field(
        description="Free-text query (not blank)."
    )
    mode: SearchMode = Field(DEFAULT_MODE, description="dense, keyword or hybrid.")
    top_k: int = Field(
        MAX_SEARCH_DEPTH, ge=1, le=MAX_SEARCH_DEPTH, description="Number of hits exported."
    )
    format: Literal["csv", "jsonl"] = Field("csv", description="csv or jsonl (JSON Lines).")


class TopicAssignRequest(BaseModel):
    """A text to place among a collection's topics."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(max_length=20_000, pattern=NOT_BLANK), _WHOLE] = Field(
        description="Text to assign (not blank)."
    )
    top_k: int = Field(3, ge=1, le=10, description="Number of nearest topics to return.")

    @field_validator("top_k", mode="before")
    @classmethod
    def _json_numbers(cls, value: Any) -> Any:
        return _json_number(value)


def describe_metadata_filters(openapi: dict[str, Any], fields: list[str]) -> None:
    """Name in an OpenAPI schema the metadata fields this server filters on (its
    `metadata_filter_fields`): a search naming any other is a 422."""
    schemas = openapi.get("components", {}).get("schemas", {})
    if "SearchRequest" not in schemas:
        return
    metadata = schemas["SearchRequest"]["properties"]["metadata"]
    if fields:
        metadata["propertyNames"] = {"enum": sorted(fields)}
    else:
        metadata["maxProperties"] = 0

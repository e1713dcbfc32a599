"""Request models of the API: what a client may send, checked before any route runs.

Unknown fields are refused (`extra="forbid"`): a misspelled filter would otherwise be
dropped silently and widen the result. Text must be whole Unicode, and numbers that
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

from corpusmap.config import DEFAULT_MODE, MAX_SEARCH_DEPTH, SearchMode
from corpusmap.errors import UnsafeFilterValueError
from corpusmap.store.filters import SearchFilters, normalize_cpc, string_list_literal

#: Topic ids are small; the bound keeps huge integers out of Milvus expressions.
MAX_TOPIC_ID = 1_000_000
#: Milvus integers are 64-bit: a larger literal in a filter fails inside Milvus (a 5xx).
INT64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole_unicode(value: str) -> str:
    """Refuse a lone surrogate (JSON allows "\\ud800"): UTF-8 cannot encode one, so the
    tokenizer and Milvus failed on it with a 500."""
    if _LONE_SURROGATE.search(value):
        raise ValueError("text holds a lone surrogate (an unpaired \\ud800-\\udfff escape)")
    return value


#: Text from a JSON body: any Unicode, but whole.
UnicodeText = Annotated[str, AfterValidator(_whole_unicode)]


def _top_k(*, strict: bool) -> Any:
    return Field(10, ge=1, le=100, strict=strict, description="Number of hits.")


def _topic(*, strict: bool) -> Any:
    return Field(
        None, ge=-1, le=MAX_TOPIC_ID, strict=strict, description="Only documents of this topic."
    )


class FilterParams(BaseModel):
    """How many hits and which documents may be hit; applied inside the vector search.

    As query parameters (`GET .../similar`) numbers arrive as text and are parsed; in a
    JSON body (`SearchRequest`) they must be JSON numbers: `"10"` and `true` are 422.
    """

    model_config = ConfigDict(extra="forbid")

    top_k: int = _top_k(strict=False)
    topic: int | None = _topic(strict=False)
    date_from: dt.date | None = Field(None, description="Earliest date (inclusive).")
    date_to: dt.date | None = Field(None, description="Latest date (inclusive).")
    cpc: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="CPC sections ('G') or subclasses ('G06F'); a document matches any.",
    )

    labels: list[Annotated[UnicodeText, StringConstraints(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=50, description="Class labels; a document matches any."
    )

    @field_validator("cpc", "labels", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

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

    top_k: int = _top_k(strict=True)
    topic: int | None = _topic(strict=True)
    query: UnicodeText = Field(min_length=1, max_length=4000, description="Free-text query.")
    mode: SearchMode = Field(
        DEFAULT_MODE,
        description="dense: embeddings; keyword: BM25 over the text; hybrid (default): "
        "both, fused per document (CORPUSMAP_HYBRID_FUSION, CORPUSMAP_HYBRID_ALPHA).",
    )

    offset: int = Field(
        0,
        ge=0,
        lt=MAX_SEARCH_DEPTH,
        description=f"Hits to skip (paging); offset + top_k <= {MAX_SEARCH_DEPTH}.",
    )
    facets: bool = Field(
        False,
        description=f"Also count topics, CPC sections and subclasses and years over the "
        f"search's best {MAX_SEARCH_DEPTH} candidates (not only the page). The page is then "
        "cut from that ranking, as the app's search page is; in hybrid mode its order can "
        "differ slightly from a search without facets, which fuses fewer candidates.",
    )

    metadata: dict[
        Annotated[UnicodeText, StringConstraints(max_length=64)],
        Annotated[UnicodeText, StringConstraints(max_length=1024)] | INT64 | float | bool,
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

    q: UnicodeText = Field(min_length=1, max_length=4000, description="Free-text query.")
    mode: SearchMode = Field(DEFAULT_MODE, description="dense, keyword or hybrid.")
    top_k: int = Field(
        MAX_SEARCH_DEPTH, ge=1, le=MAX_SEARCH_DEPTH, description="Number of hits exported."
    )
    format: Literal["csv", "jsonl"] = Field("csv", description="csv or jsonl (JSON Lines).")

    @field_validator("q")
    @classmethod
    def _query_has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("q must contain text")
        return value


class TopicAssignRequest(BaseModel):
    """A text to place among a collection's topics."""

    model_config = ConfigDict(extra="forbid")

    text: UnicodeText = Field(min_length=1, max_length=20_000, description="Text to assign.")
    top_k: int = Field(
        3, ge=1, le=10, strict=True, description="Number of nearest topics to return."
    )

    @field_validator("text")
    @classmethod
    def _text_has_content(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must contain text")
        return value

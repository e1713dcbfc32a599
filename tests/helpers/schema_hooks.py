"""Schemathesis hooks (`SCHEMATHESIS_HOOKS=tests.helpers.schema_hooks`) for the one rule
of the API that JSON Schema cannot state: `date_from` may not be after `date_to` (a 422
that names it). Cases that break it are not drawn, so a 422 for one is not taken for a
valid request refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import schemathesis


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def dates_in_order(values: Any) -> bool:
    """False for a body or query whose `date_from` is after its `date_to`."""
    if not isinstance(values, dict):
        return True
    first, last = _date(values.get("date_from")), _date(values.get("date_to"))
    return first is None or last is None or first <= last


def page_within_depth(values: Any) -> bool:
    """False for a search whose offset + top_k passes the deepest hit (1,000): another
    rule no schema states (a 422 that names it)."""
    if not isinstance(values, dict):
        return True
    offset, top_k = values.get("offset", 0), values.get("top_k", 10)
    numbers = all(isinstance(v, int) and not isinstance(v, bool) for v in (offset, top_k))
    return not numbers or offset + top_k <= 1000


@schemathesis.hook
def filter_body(context: schemathesis.HookContext, body: Any) -> bool:
    return dates_in_order(body) and page_within_depth(body)


@schemathesis.hook
def filter_query(context: schemathesis.HookContext, query: dict[str, Any]) -> bool:
    return dates_in_order(query)

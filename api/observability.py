"""Request ids and logs: every log line of a request carries its id; text or JSON lines.

The id lives in a contextvar set by the request middleware; a logging filter copies
it onto each record. Contextvars follow the request into the threadpool that runs
sync routes, so lines logged there carry it too.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import sys
import uuid
from typing import Literal

REQUEST_ID_HEADER = "X-Request-ID"

#: An incoming id is kept only if it is short and plain: it is echoed in headers
#: and written to logs, so anything else (newlines, quotes, huge values) is replaced.
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def accept_or_new_request_id(incoming: str | None) -> str:
    """The client's X-Request-ID if it is sane, else a new random one."""
    if incoming and _SANE_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate, never drop."""
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras."""

    #: Extra fields a log call may attach (`extra={...}`) that are copied into the line.
    EXTRA_FIELDS = ("method", "path", "route", "status", "duration_ms", "client")

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for field in self.EXTRA_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _ApiHandler(logging.StreamHandler):
    """The API's console handler; its own class so setup can find and replace it."""


def configure_logging(log_format: Literal["text", "json"]) -> logging.Handler:
    """Send the process's logs (root, uvicorn) through one handler in the chosen format.

    Plain console handlers (a CLI's `basicConfig`) are replaced so lines are not
    doubled; other handlers (a test's capture) stay. uvicorn's access log is turned
    off: the API's own access line (logger `api.access`) has the request id and time.
    """
    handler = _ApiHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        if type(old) in (logging.StreamHandler, _ApiHandler):
            root.removeHandler(old)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_log = logging.getLogger(name)
        uvicorn_log.handlers.clear()
        uvicorn_log.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    return handler

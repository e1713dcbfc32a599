"""JSON Lines read line by line, each line decoded and parsed on its own.

Not through `datasets`' text builder: that decodes whole 10 MB chunks (one bad
byte fails the file, and the error's offset is the chunk's, not the file's) and
batches 1,000 lines (1,000 huge lines are gigabytes). Here a line that is not
valid in the file's encoding, is not a JSON object, or is longer than
`MAX_LINE_BYTES` is one counted bad row, and memory holds one line at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any, AnyStr

from indexer.reading.cells import BAD_BYTES_ERRORS, Row, RowError, text_problem

MAX_LINE_BYTES = 64 << 20
"""A longer line is skipped unread ("row too large"): no text that long is ever embedded
(`max_text_chars` keeps 20,000 characters by default)."""
_DRAIN = 1 << 20
_JSON_SPACE = " \t\r\n"  # JSON's whitespace; other blank-looking characters make a bad row


def _ascii_compatible(encoding: str) -> bool:
    """Whether the encoding writes ASCII as ASCII, so lines can be split as bytes."""
    try:
        return b'{"a": 1}\n'.decode(encoding) == '{"a": 1}\n'
    except UnicodeDecodeError:
        return False


def _lines(handle: IO[AnyStr], newline: AnyStr) -> Iterator[AnyStr | None]:
    """The lines of a file, without their ending; None for a line over `MAX_LINE_BYTES`,
    which is read through in small pieces rather than held."""
    while line := handle.readline(MAX_LINE_BYTES + 1):
        if len(line) > MAX_LINE_BYTES and not line.endswith(newline):
            while (piece := handle.readline(_DRAIN)) and not piece.endswith(newline):
                pass
            yield None
        else:
            yield line[: -len(newline)] if line.endswith(newline) else line


def _parse(line: str) -> tuple[dict[str, Any] | None, RowError | None]:
    try:
        value = json.loads(line)
    except (json.JSONDecodeError, RecursionError):
        value = None
    if isinstance(value, dict):
        return value, None
    return None, RowError("malformed row", line)


def json_rows(path: str, encoding: str) -> Iterator[Row]:
    """The rows of a JSON Lines file, numbered by line; blank lines are not rows.

    In an ASCII-compatible encoding (UTF-8, Latin-1, cp1252, ...) each line is decoded
    alone; other encodings (UTF-16) are decoded as a stream, undecodable bytes marked.
    Either way a line with bytes that are not in the encoding is a "bad encoding" row.
    """
    if _ascii_compatible(encoding):
        with open(path, "rb") as binary:
            yield from _rows(_lines(binary, b"\n"), encoding)
    else:
        with open(path, encoding=encoding, errors=BAD_BYTES_ERRORS, newline="\n") as text:
            yield from _rows(_lines(text, "\n"), encoding)


def _rows(lines: Iterator[bytes | None] | Iterator[str | None], encoding: str) -> Iterator[Row]:
    for number, line in enumerate(lines, 1):
        if line is None:
            yield number, None, RowError("row too large", f"over {MAX_LINE_BYTES:,} bytes")
            continue
        if isinstance(line, bytes):
            raw = line
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                bad = raw[exc.start : exc.end].hex()
                detail = f"bytes {bad} at column {exc.start + 1} are not {encoding}"
                yield number, None, RowError("bad encoding", detail)
                continue
        elif problem := text_problem(line, encoding):  # marked bytes (no text has surrogates)
            yield number, None, RowError("bad encoding", problem)
            continue
        line = line.lstrip("\ufeff")  # a byte order mark, also where files were concatenated
        if line.strip(_JSON_SPACE):
            yield number, *_parse(line)

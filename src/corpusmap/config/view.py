"""The effective settings as plain JSON values, with every secret masked.

Shared by `corpusmap config` and the API's `GET /admin/settings`, so both mask the
same way: a secret is never printed, only whether it is set.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from corpusmap.config.settings import Settings

MASK = "**********"

#: Names that hold a secret even when typed as a plain string (belt and braces:
#: the typed fields are SecretStr already).
_SECRET_NAME = re.compile(r"token|key|password|secret", re.IGNORECASE)


def _mask_url_password(value: str) -> str:
    """`http://user:pass@host` -> `http://user:**********@host`; other strings unchanged."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if not parts.password:
        return value
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, str) and value and _SECRET_NAME.search(name):
        return MASK
    if isinstance(value, str):
        return _mask_url_password(value)
    if isinstance(value, Path):
        return str(value)
    return value


def masked_settings(settings: Settings) -> dict[str, Any]:
    """Every setting by field name, JSON-ready, with secrets replaced by a mask.

    An empty secret shows as "" so the output still says whether one is set.
    """
    names = type(settings).model_fields
    return {name: _plain(name, getattr(settings, name)) for name in names}


def as_env_lines(values: dict[str, Any]) -> list[str]:
    """`CORPUSMAP_<NAME>=value` lines (lists as JSON), ready for a `.env` file.

    Unset optional values and masked secrets are written as comments: pasted back,
    an empty value would not parse as a number, and a mask would become the secret.
    """
    lines = []
    for name, value in values.items():
        variable = f"CORPUSMAP_{name.upper()}"
        if value is None:
            lines.append(f"# {variable}=  (unset: the default applies)")
        elif value == MASK:
            lines.append(f"# {variable}={MASK}  (set; secret not shown)")
        elif isinstance(value, (list, dict, bool)):
            lines.append(f"{variable}={json.dumps(value)}")
        else:
            lines.append(f"{variable}={value}")
    return lines

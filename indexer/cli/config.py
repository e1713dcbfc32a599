"""`corpusmap config`: the effective settings (env, .env, flags) with secrets masked."""

from __future__ import annotations

import json
from enum import StrEnum

from corpusmap.config import Settings, as_env_lines, masked_settings
from corpusmap.errors import ConfigError


class ConfigFormat(StrEnum):
    """How `corpusmap config` prints the settings."""

    json = "json"
    env = "env"


def render_config(settings: Settings, output: str = "json") -> str:
    """The settings as a JSON object, or as `CORPUSMAP_<NAME>=value` lines for a `.env`.

    Secrets (milvus_token, api_key) show as a mask when set and as "" when not, so
    the output can be pasted into an issue or a log without leaking them.
    """
    if output not in {f.value for f in ConfigFormat}:
        raise ConfigError(f"--format must be one of {', '.join(ConfigFormat)}, not {output!r}")
    values = masked_settings(settings)
    if output == ConfigFormat.env:
        return "\n".join(as_env_lines(values))
    return json.dumps(values, indent=2, ensure_ascii=False)

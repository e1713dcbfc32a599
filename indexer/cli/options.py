"""What every command shares: settings with the flags given, and JSON output."""

from __future__ import annotations

import json
from typing import Any

import typer
from pydantic import ValidationError

from corpusmap.config import Settings
from corpusmap.errors import ConfigError


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def with_flags(settings: Settings, **overrides: Any) -> Settings:
    """`settings` with the flags given, validated (a bad flag is a one-line error)."""
    try:
        return settings.with_overrides(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid option: {problems}") from None

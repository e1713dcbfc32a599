"""`corpusmap config`: the effective settings from env and flags, secrets never shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from corpusmap.config import MASK, Settings, as_env_lines, get_settings, masked_settings
from indexer.cli.app import app

runner = CliRunner()

API_KEY = "cli-secret-key-0123456789"
TOKEN = "root:VerySecretMilvusPassword"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Secrets and a few settings in the environment, as a deployment sets them."""
    monkeypatch.setenv("CORPUSMAP_API_KEY", API_KEY)
    monkeypatch.setenv("CORPUSMAP_MILVUS_TOKEN", TOKEN)
    monkeypatch.setenv("CORPUSMAP_RATE_LIMIT_PER_MINUTE", "120")
    monkeypatch.setenv("CORPUSMAP_CORS_ORIGINS", '["https://ui.example"]')
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_config_prints_env_and_flags_with_secrets_masked(secret_env: None, tmp_path: Path):
    result = runner.invoke(app, ["--data-dir", str(tmp_path), "config"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["api_key"] == MASK and shown["milvus_token"] == MASK
    assert API_KEY not in result.output and "VerySecret" not in result.output
    assert shown["data_dir"] == str(tmp_path)  # the flag wins over the default
    assert shown["rate_limit_per_minute"] == 120 and shown["cors_origins"] == ["https://ui.example"]
    assert set(shown) == set(Settings.model_fields)


def test_config_env_format_is_a_dotenv_without_secrets(secret_env: None):
    result = runner.invoke(app, ["config", "--format", "env"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "CORPUSMAP_RATE_LIMIT_PER_MINUTE=120" in lines
    assert 'CORPUSMAP_CORS_ORIGINS=["https://ui.example"]' in lines
    # A masked secret is a comment: pasted back, it must not become the key.
    assert f"# CORPUSMAP_API_KEY={MASK}  (set; secret not shown)" in lines
    assert API_KEY not in result.output and "VerySecret" not in result.output


def test_config_rejects_an_unknown_format():
    result = runner.invoke(app, ["config", "--format", "yaml"])
    assert result.exit_code != 0 and "--format" in str(result.exception)


def test_config_command_explains_itself():
    result = runner.invoke(app, ["config", "--help"])
    assert result.exit_code == 0 and "--format" in result.output and "masked" in result.output


def test_unset_secrets_show_empty_and_url_passwords_are_masked(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, milvus_uri="http://user:pw-in-url@milvus:19530")
    shown = masked_settings(settings.model_copy(update={"api_key": SecretStr("")}))
    assert shown["api_key"] == "" and shown["milvus_token"] == ""
    assert shown["milvus_uri"] == f"http://user:{MASK}@milvus:19530"
    assert "# CORPUSMAP_DEVICE=  (unset: the default applies)" in as_env_lines(shown)

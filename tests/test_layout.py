"""The code base keeps its shape (see `tests.helpers.layout`, runnable on its own)."""

from __future__ import annotations

from tests.helpers import layout


def test_the_core_top_holds_only_config_errors_and_documents():
    assert layout.misplaced_top_level() == []


def test_core_imports_run_down_the_layers():
    assert layout.layer_violations() == []


def test_no_import_circle_in_the_core():
    assert layout.import_cycles() == []


def test_apps_import_one_way_and_the_core_has_no_web_or_cli_code():
    assert layout.app_violations() == []


def test_every_subpackage_names_its_public_api():
    for init in layout.CORE.glob("*/__init__.py"):
        text = init.read_text()
        assert "__all__" in text, f"{init.relative_to(layout.ROOT)} has no __all__"

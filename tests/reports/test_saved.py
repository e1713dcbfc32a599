"""A build keeps its report data (computed once, at index time): the API's report pages
and `corpusmap report` read it instead of the store; a file of another layout or a
damaged one is ignored and the data computed as before."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from corpusmap.builds.publishing import open_published
from corpusmap.builds.registry import BuildRegistry
from corpusmap.reports import pages
from corpusmap.reports.data import ReportData, collect_report_data
from corpusmap.reports.saved import REPORT_DATA_FILE, load_report_data, save_report_data
from tests.conftest import ClaimsIndex


def _saved_path(claims_index: ClaimsIndex) -> Path:
    registry = BuildRegistry(claims_index.settings.data_dir)
    info = registry.current("claims")
    return registry.build_dir("claims", info.build_id) / REPORT_DATA_FILE


def test_the_build_keeps_the_data_its_report_was_made_from(claims_index: ClaimsIndex):
    saved = load_report_data(_saved_path(claims_index))
    assert saved is not None and saved.collection == "claims"
    with open_published(claims_index.settings, "claims") as (store, name):
        computed = collect_report_data(store, name)
    assert [(t.topic_id, t.label, t.size) for t in saved.topics] == [
        (t.topic_id, t.label, t.size) for t in computed.topics
    ]
    assert saved.document_map and computed.document_map
    assert saved.document_map.ids == computed.document_map.ids
    assert saved.neighbours == computed.neighbours and saved.words_by_bin == computed.words_by_bin


def test_a_foreign_or_damaged_file_reads_as_none(tmp_path: Path):
    path = tmp_path / REPORT_DATA_FILE
    save_report_data(ReportData("c", [], {}), path)
    assert load_report_data(path) == ReportData("c", [], {})
    path.write_bytes(pickle.dumps({"format": 0, "data": ReportData("c", [], {})}))
    assert load_report_data(path) is None  # another layout: recomputed, never misread
    path.write_bytes(b"\x80\x05not a pickle")
    assert load_report_data(path) is None
    assert load_report_data(tmp_path / "missing") is None
    assert [p.name for p in tmp_path.iterdir()] == [REPORT_DATA_FILE]  # no temporary left


def test_the_api_serves_the_report_from_the_saved_data(
    claims_index: ClaimsIndex, monkeypatch: pytest.MonkeyPatch
):
    from api.main import create_app

    def never(*args: object) -> ReportData:
        raise AssertionError("the report data was computed, not read from the build")

    monkeypatch.setattr(pages, "collect_report_data", never)
    saved = load_report_data(_saved_path(claims_index))
    assert saved is not None
    with TestClient(create_app(claims_index.settings)) as client:
        overview = client.get("/collections/claims/report")
        assert overview.status_code == 200 and escape(saved.topics[1].label) in overview.text
        topic = client.get(f"/collections/claims/report/topics/{saved.topics[1].topic_id}")
        assert topic.status_code == 200

"""The build registry: publish is atomic, rollback and pruning keep the served build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpusmap.builds.registry import BuildRegistry
from corpusmap.errors import BuildError, CollectionNotFoundError


def _complete(registry: BuildRegistry, collection: str = "c") -> str:
    with registry.writing(collection):
        info = registry.start(collection)
        info = registry.finish(info, documents=1, summary={})
        registry.publish(info)
    return info.build_id


def test_publish_names_the_served_build_and_rollback_goes_back(tmp_path: Path):
    registry = BuildRegistry(tmp_path)
    assert registry.collections() == [] and registry.current_id("c") is None
    first, second = _complete(registry), _complete(registry)
    assert first < second  # ids sort by time
    assert registry.collections() == ["c"] and registry.current_id("c") == second
    assert registry.previous("c").build_id == first
    registry.publish(registry.previous("c"))
    assert registry.current_id("c") == first
    with pytest.raises(BuildError, match="no complete build before"):
        registry.previous("c")


def test_only_complete_builds_publish(tmp_path: Path):
    registry = BuildRegistry(tmp_path)
    with registry.writing("c"):
        info = registry.start("c")
        with pytest.raises(BuildError, match="building, not complete"):
            registry.publish(info)
        failed = registry.fail(info, "boom")
    assert failed.status == "failed" and registry.get("c", info.build_id) == failed
    with pytest.raises(CollectionNotFoundError):
        registry.current("c")


def test_one_writer_per_collection_and_dead_runs_are_cleared(tmp_path: Path):
    registry = BuildRegistry(tmp_path)
    with registry.writing("c"):
        dead = registry.start("c")  # as if the process were killed now
        with pytest.raises(BuildError, match="another run is building"), registry.writing("c"):
            pass
    with registry.writing("c"):  # the next run clears what the dead one left
        assert registry.get("c", dead.build_id) is None


def test_prune_keeps_the_newest_and_the_published(tmp_path: Path):
    registry = BuildRegistry(tmp_path)
    ids = [_complete(registry) for _ in range(4)]
    oldest = registry.get("c", ids[0])
    assert oldest is not None
    registry.publish(oldest)  # rolled far back
    with registry.writing("c"):
        failed = registry.fail(registry.start("c"), "boom").build_id
    removed = registry.prune("c", keep=2)
    kept = {b.build_id for b in registry.builds("c")}
    assert kept == {ids[0], ids[3]}  # the published one plus the newest other
    assert set(removed) == {ids[1], ids[2], failed}


def test_prune_removes_folders_left_without_build_json(tmp_path: Path):
    registry = BuildRegistry(tmp_path)
    old, served = _complete(registry), _complete(registry)
    half_deleted = registry.build_dir("c", old)
    (half_deleted / "build.json").unlink()  # a kill mid-delete, right after a publish
    (half_deleted / "milvus.db").write_bytes(b"rows")
    empty = registry.build_dir("c", "b20000101_000000_000000_dead")
    empty.mkdir()  # a kill between creating a build's folder and writing its record
    assert [b.build_id for b in registry.builds("c")] == [served]
    removed = registry.prune("c", keep=2)
    assert removed == sorted([old, empty.name])
    assert sorted(p.name for p in (tmp_path / "builds" / "c").iterdir()) == [
        ".lock",
        "CURRENT",
        served,
    ]


def test_a_build_killed_mid_delete_is_unlisted_and_cleared_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    registry = BuildRegistry(tmp_path)
    _complete(registry)
    served = _complete(registry)
    real_rmtree = shutil.rmtree

    def killed(path: Path, ignore_errors: bool = False) -> None:
        (Path(path) / "milvus.db").unlink(missing_ok=True)  # some files gone, then the kill
        raise KeyboardInterrupt

    monkeypatch.setattr(shutil, "rmtree", killed)
    with pytest.raises(KeyboardInterrupt):
        registry.prune("c", keep=1)
    assert [b.build_id for b in registry.builds("c")] == [served]  # never a broken old build
    monkeypatch.setattr(shutil, "rmtree", real_rmtree)
    registry.prune("c", keep=1)
    assert sorted(p.name for p in (tmp_path / "builds" / "c").iterdir()) == [
        ".lock",
        "CURRENT",
        served,
    ]


def test_hostile_collection_names_never_reach_the_file_system(tmp_path: Path):
    registry = BuildRegistry(tmp_path)
    with pytest.raises(Exception, match="collection name"), registry.writing("../escape"):
        pass
    assert not (tmp_path / "escape").exists()

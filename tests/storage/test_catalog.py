"""The list catalog: pure functions, no store."""

from __future__ import annotations

import json
import os

import pytest

from dflow.errors import StorageError
from dflow.storage.catalog import CATALOG_DIR, merge, read_catalog, write_catalog


def test_write_then_read_keeps_order_and_missing(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x.txt").write_text("x")
    (tmp_path / "a.txt").write_text("a")
    write_catalog(str(tmp_path), ["b/x.txt", None, "a.txt", "gone.txt"])
    [name] = os.listdir(tmp_path / CATALOG_DIR)
    data = json.loads((tmp_path / CATALOG_DIR / name).read_text())
    assert data["path_list"][1] == {"dflow_list_item": None, "order": 1}
    assert read_catalog(str(tmp_path)) == [
        str(tmp_path / "b" / "x.txt"),
        None,
        str(tmp_path / "a.txt"),
        None,
    ]


def test_merge_sorts_by_order_and_leaves_no_holes():
    # a slice that produced nothing (order 1) leaves no hole, as in dflow 1.x; a listed null path
    # keeps its place
    slices = [[{"dflow_list_item": "s2", "order": 2}], [{"dflow_list_item": "s0", "order": 0}]]
    assert merge(slices) == ["s0", "s2"]
    slices.append([{"dflow_list_item": None, "order": 1}])
    assert merge(slices) == ["s0", None, "s2"]


def test_merge_with_repeated_orders_sorts_stably():
    first = [{"dflow_list_item": "a0", "order": 0}, {"dflow_list_item": "a1", "order": 1}]
    second = [{"dflow_list_item": "b0", "order": 0}]
    assert merge([first, second]) == ["a0", "b0", "a1"]


@pytest.mark.parametrize("bad", ["/abs", "../up", "a/../../b"])
def test_paths_must_stay_inside(tmp_path, bad):
    with pytest.raises(StorageError, match="must be relative"):
        write_catalog(str(tmp_path), [bad])
    assert not (tmp_path / CATALOG_DIR).exists() or not os.listdir(tmp_path / CATALOG_DIR)


def test_corrupt_catalog_names_the_file(tmp_path):
    (tmp_path / CATALOG_DIR).mkdir()
    (tmp_path / CATALOG_DIR / "broken").write_text("{not json")
    with pytest.raises(StorageError, match="broken"):
        read_catalog(str(tmp_path))


def test_a_catalog_entry_leaving_the_artifact_is_refused(tmp_path):
    import json

    from dflow.errors import StorageError
    from dflow.storage.catalog import read_catalog

    (tmp_path / ".dflow").mkdir()
    (tmp_path / ".dflow" / "evil").write_text(
        json.dumps({"path_list": [{"dflow_list_item": "../outside.txt", "order": 0}]})
    )
    with pytest.raises(StorageError, match="leaves the artifact"):
        read_catalog(str(tmp_path))

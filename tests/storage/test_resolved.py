"""Links in what dflow stores: followed, a dangling one left out, a loop refused by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dflow import download_artifact, upload_artifact
from dflow.errors import StorageError
from dflow.storage import LocalClient
from dflow.storage.resolved import resolved_tree


def test_tree_follows_links_and_lists_parents_first(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.txt").write_text("b")
    (tmp_path / "t").mkdir()
    os.symlink(tmp_path / "d", tmp_path / "t" / "a.lnk")
    os.symlink("a.lnk/b.txt", tmp_path / "t" / "c.lnk")
    entries = [(e.name, e.real, e.is_dir) for e in resolved_tree(str(tmp_path / "t"))]
    assert entries == [
        ("", str(tmp_path / "t"), True),
        ("a.lnk", str(tmp_path / "d"), True),
        ("a.lnk/b.txt", str(tmp_path / "d" / "b.txt"), False),
        ("c.lnk", str(tmp_path / "d" / "b.txt"), False),
    ]


def test_dangling_link_is_left_out_with_a_warning(tmp_path, monkeypatch, caplog):
    # GIVEN a directory with a file and a link to nothing
    monkeypatch.chdir(tmp_path)
    os.makedirs("d")
    Path("d/a.txt").write_text("a")
    os.symlink("/nonexistent/x", "d/gone.lnk")
    store = LocalClient(str(tmp_path / "store"))
    # WHEN it is uploaded THEN the link is not stored, and the warning names it and its target
    art = upload_artifact(["d"], storage_client=store)
    assert "d/gone.lnk' links to '/nonexistent/x'" in caplog.text
    download_artifact(art, path="dl", storage_client=store)
    assert sorted(os.listdir("dl/d")) == ["a.txt"]


def test_directory_linking_to_its_ancestor_is_refused_by_name(tmp_path, monkeypatch):
    # GIVEN a directory holding a link to itself
    monkeypatch.chdir(tmp_path)
    os.makedirs("d/sub")
    os.symlink(os.path.abspath("d"), "d/sub/up")
    # WHEN it is uploaded THEN the error names the link, instead of recursing without end
    with pytest.raises(StorageError, match="d/sub/up': it links to .*a directory that contains"):
        upload_artifact(["d"], storage_client=LocalClient(str(tmp_path / "store")))
    with pytest.raises(StorageError, match="d/sub/up"):
        upload_artifact(["d"], archive=None, storage_client=LocalClient(str(tmp_path / "s2")))

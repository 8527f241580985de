"""The keywords of the artifact functions as dflow 1.x users pass them (S3 and local store)."""

from __future__ import annotations

import os

import pytest
from storage_helpers import tree, write

from dflow.common import LineageClient
from dflow.config import config
from dflow.errors import ArtifactNotFoundError, StorageError
from dflow.storage import (
    copy_artifact,
    copy_s3,
    download_artifact,
    download_s3,
    upload_artifact,
    upload_s3,
)
from dflow.storage.paths import (
    catalog_of_artifact,
    path_list_of_artifact,
    path_object_of_artifact,
)


def test_archive_default_follows_archive_mode(backend, client, work, monkeypatch):
    # GIVEN archive_mode "none" WHEN uploading with the default archive THEN one object per file
    write(work / "a.txt", "a")
    monkeypatch.setitem(config, "archive_mode", None)
    art = upload_artifact("a.txt")
    assert client.exists(f"{art.key}/a.txt")
    monkeypatch.setitem(config, "archive_mode", "tar")
    assert client.exists(upload_artifact("a.txt").key)


def test_slice_and_sub_path_fetch_one_path(backend, work, tmp_path):
    write(work / "d" / "x.txt", "x")
    write(work / "y.txt", "y")
    for archive in ("tar", None):
        art = upload_artifact(["d/x.txt", "y.txt"], archive=archive)
        # checked against pydflow 1.8.134: the list in upload order, relative paths
        assert path_list_of_artifact(art) == ["d/x.txt", "y.txt"]
        assert path_object_of_artifact(art) == ["d/x.txt", "y.txt"]
        assert sorted(e["order"] for e in catalog_of_artifact(art)) == [0, 1]
        out = tmp_path / f"slice-{archive}"
        assert download_artifact(art, slice=1, path=out) == [str(out / "y.txt")]
        assert tree(out) == {"y.txt": "y"}
        out = tmp_path / f"sub-{archive}"
        assert download_artifact(art, sub_path="d/x.txt", path=out) == [str(out / "d" / "x.txt")]
        assert tree(out) == {"d/x.txt": "x"}
        with pytest.raises(ArtifactNotFoundError, match="slice 5"):
            download_artifact(art, slice=5, path=out)
        with pytest.raises(ArtifactNotFoundError, match="nope"):
            download_artifact(art, sub_path="nope", path=out)


def test_copy_artifact_sort_appends_the_list(backend, work, tmp_path):
    write(work / "a.txt", "a")
    write(work / "b.txt", "b")
    dst = upload_artifact(["a.txt"], archive=None)
    src = upload_artifact(["b.txt"], archive="tar")
    copy_artifact(src, dst, sort=True)
    assert path_list_of_artifact(dst) == ["a.txt", "b.txt"]
    assert download_artifact(dst, path=tmp_path / "out") == [
        str(tmp_path / "out" / "a.txt"),
        str(tmp_path / "out" / "b.txt"),
    ]
    with pytest.raises(StorageError, match="one archive"):
        copy_artifact(dst, upload_artifact(["a.txt"], archive="tar"), sort=True)


def test_upload_s3_prefix_and_download_s3_options(backend, client, work, tmp_path):
    write(work / "data" / "f.txt", "f")
    write(work / "data" / "sub" / "g.txt", "g")
    key = upload_s3("data", prefix="results")
    assert key == client.new_key("results/data") or key == "results/data"
    out = tmp_path / "keep"
    assert download_s3(key, path=out, keep_dir=True) == str(out / "data")
    assert tree(out) == {"data/f.txt": "f", "data/sub/g.txt": "g"}
    # skip_exists: a file whose md5 matches stays; a changed one is fetched again
    write(out / "data" / "f.txt", "changed")
    os.utime(out / "data" / "sub" / "g.txt", (0, 0))
    download_s3(key, path=out, keep_dir=True, skip_exists=True)
    assert tree(out) == {"data/f.txt": "f", "data/sub/g.txt": "g"}
    assert os.stat(out / "data" / "sub" / "g.txt").st_mtime == 0
    with pytest.raises(StorageError):
        download_s3(key, path=tmp_path / "one", recursive=False)
    single = download_s3(key + "/f.txt", path=tmp_path / "one", recursive=False)
    assert open(single).read() == "f"


def test_copy_s3_ignore_catalog_and_recursive(backend, client, work):
    write(work / "a.txt", "a")
    art = upload_artifact(["a.txt"], archive=None)
    copy_s3(art.key, "copied", ignore_catalog=True)
    assert [k for k in client.list("copied/") if ".dflow" in k] == []
    assert client.exists("copied/a.txt")
    with pytest.raises(ArtifactNotFoundError, match="recursive=False"):
        copy_s3(art.key, "again", recursive=False)


def test_upload_s3_debug_func_links_into_the_local_store(work, tmp_path, monkeypatch):
    from dflow.config import s3_config
    from dflow.storage import LocalClient

    monkeypatch.setitem(s3_config, "storage_client", LocalClient(str(tmp_path / "store")))
    write(work / "big.bin", "data")
    key = upload_s3("big.bin", debug_func=os.symlink)
    stored = tmp_path / "store" / key
    assert os.path.islink(stored) and os.readlink(stored) == str(work / "big.bin")


@pytest.mark.s3
def test_debug_func_needs_the_local_store(s3_config_for_tests, work):
    write(work / "a.txt")
    with pytest.raises(StorageError, match="debug_func"):
        upload_s3("a.txt", debug_func=os.symlink)


def test_unknown_keyword_is_an_error(backend, work):
    write(work / "a.txt")
    with pytest.raises(TypeError, match="bucket"):
        upload_artifact("a.txt", buckt="x")


class _Lineage(LineageClient):
    """A lineage service kept in memory: the user's own implementation of the interface."""

    def __init__(self) -> None:
        self.artifacts = []

    def register_workflow(self, workflow_name):
        return f"urn:wf:{workflow_name}"

    def register_artifact(self, namespace, name, uri, **kwargs):
        self.artifacts.append((namespace, name, uri))
        return f"urn:{namespace}:{name}"

    def register_task(self, task_name, input_urns, output_uris, workflow_urn):
        return {}

    def get_artifact_metadata(self, urn):
        return {}


def test_namespace_and_dataset_name_register_in_lineage(backend, work, monkeypatch):
    write(work / "a.txt")
    with pytest.raises(StorageError, match="lineage"):
        upload_artifact("a.txt", namespace="ns", dataset_name="ds")
    lineage = _Lineage()
    monkeypatch.setitem(config, "lineage", lineage)
    art = upload_artifact("a.txt", namespace="ns", dataset_name="ds")
    assert art.urn == "urn:ns:ds"
    assert lineage.artifacts == [("ns", "ds", art.key)]

"""Round trips through upload_artifact / download_artifact on both backends."""

from __future__ import annotations

import io
import os
from types import SimpleNamespace

import pytest
from storage_helpers import tree, write

from dflow.errors import StorageError
from dflow.io import S3Artifact
from dflow.storage import (
    copy_artifact,
    copy_s3,
    download_artifact,
    download_s3,
    save_artifact,
    upload_artifact,
    upload_s3,
    write_catalog,
)
from dflow.storage.multipart import put_stream
from dflow.storage.s3 import S3Client

ARCHIVES = pytest.mark.parametrize("archive", ["tar", None])


@ARCHIVES
def test_file_round_trip(backend, work, tmp_path, archive):
    # GIVEN a file in the current directory
    write(work / "a.txt", "hello\n")
    # WHEN it is uploaded and downloaded elsewhere
    art = upload_artifact("a.txt", archive=archive)
    out = tmp_path / "out"
    paths = download_artifact(art, path=out)
    # THEN the same file comes back, at its relative path, and only it
    assert paths == [str(out / "a.txt")]
    assert tree(out) == {"a.txt": "hello\n"}
    assert art.path_list == ["a.txt"]


@ARCHIVES
def test_directory_with_empty_dirs_round_trip(backend, work, tmp_path, archive):
    write(work / "data" / "x.txt", "x")
    write(work / "data" / "deep" / "er" / "y.txt", "y")
    os.makedirs(work / "data" / "empty" / "nested")
    art = upload_artifact(work / "data", archive=archive)
    out = tmp_path / "out"
    assert download_artifact(art, path=out) == [str(out / "data")]
    assert tree(out) == {
        "data/x.txt": "x",
        "data/deep/er/y.txt": "y",
        "data/empty/nested/": "/",
    }


@ARCHIVES
def test_list_keeps_relative_paths_order_and_missing(backend, work, tmp_path, archive):
    write(work / "sub" / "b.txt", "b")
    write(work / "a.txt", "a")
    os.makedirs(work / "emptydir")
    art = upload_artifact(["sub/b.txt", None, "a.txt", "emptydir"], archive=archive)
    out = tmp_path / "out"
    paths = download_artifact(art, path=out)
    assert paths == [str(out / "sub" / "b.txt"), None, str(out / "a.txt"), str(out / "emptydir")]
    assert tree(out) == {"sub/b.txt": "b", "a.txt": "a", "emptydir/": "/"}
    assert not os.path.exists(out / ".dflow")


def test_absolute_path_outside_cwd_is_kept_whole(backend, work, tmp_path):
    outside = write(tmp_path / "elsewhere" / "f.txt", "far")
    art = upload_artifact([str(outside)])
    out = tmp_path / "out"
    [path] = download_artifact(art, path=out)
    assert path == os.path.join(str(out), str(outside).lstrip("/"))
    with open(path) as handle:
        assert handle.read() == "far"


def test_missing_path_is_an_error_before_anything_is_uploaded(backend, work, client):
    write(work / "present.txt")
    with pytest.raises(StorageError, match="no-such-file"):
        upload_artifact(["present.txt", "no-such-file"])
    assert client.list("upload/") == []


def test_download_does_not_touch_existing_neighbours(backend, work, tmp_path):
    write(work / "d" / "new.txt", "new")
    art = upload_artifact("d")
    out = tmp_path / "out"
    write(out / "d" / "old.txt", "old")
    download_artifact(art, path=out)
    assert tree(out) == {"d/new.txt": "new", "d/old.txt": "old"}


def test_sub_path_of_an_uncompressed_upload(backend, work, tmp_path):
    write(work / "d" / "f.txt", "f")
    write(work / "d" / "inner" / "g.txt", "g")
    art = upload_artifact("d", archive=None)
    out = tmp_path / "file"
    assert download_artifact(art.sub_path("d/f.txt"), path=out) == [str(out / "f.txt")]
    out = tmp_path / "dir"
    download_artifact(art.sub_path("d").sub_path("inner"), path=out)
    assert tree(out) == {"g.txt": "g"}


@ARCHIVES
def test_copy_artifact_is_a_full_copy(backend, work, tmp_path, client, archive):
    write(work / "d" / "f.txt", "f")
    art = upload_artifact("d", archive=archive)
    copy = copy_artifact(art, S3Artifact(key="copies/one" + ("/x.tgz" if archive else "")))
    assert copy.key.startswith("copies/one") and client.list("copies/")
    out = tmp_path / "out"
    assert download_artifact(copy, path=out) == [str(out / "d")]
    assert tree(out) == {"d/f.txt": "f"}


def test_prefix_applies_to_new_keys(backend, work, tmp_path, make_client):
    write(work / "f.txt", "f")
    client = make_client(prefix="team/run1")
    art = upload_artifact("f.txt", storage_client=client)
    assert art.key.startswith("team/run1/upload/")
    key = upload_s3(work / "f.txt", storage_client=client)
    assert key.startswith("team/run1/upload/") and key.endswith("/f.txt")
    out = tmp_path / "out"
    download_artifact(art, path=out, storage_client=client)
    assert tree(out) == {"f.txt": "f"}


def test_upload_download_copy_s3(backend, work, tmp_path):
    write(work / "one.txt", "1")
    write(work / "dir" / "two.txt", "2")
    os.makedirs(work / "dir" / "hollow")
    file_key = upload_s3("one.txt")
    dir_key = upload_s3("dir", key="plain/dir")
    assert dir_key == "plain/dir"
    assert download_s3(file_key, path=tmp_path / "f") == str(tmp_path / "f" / "one.txt")
    copy_s3(dir_key, "plain/copy")
    assert download_s3("plain/copy", path=tmp_path / "d") == str(tmp_path / "d")
    assert tree(tmp_path / "d") == {"two.txt": "2", "hollow/": "/"}
    with pytest.raises(StorageError, match="plain/none"):
        download_s3("plain/none", path=tmp_path / "x")


def test_output_artifact_of_a_queried_step(backend, work, tmp_path, client):
    # GIVEN an output artifact stored as Argo's executor stores /tmp/outputs/artifacts/res
    outdir = work / "res"
    write(outdir / "r1.txt", "1")
    write(outdir / "sub" / "r2.txt", "2")
    write_catalog(str(outdir), ["sub/r2.txt", "r1.txt"])
    save_artifact(client, str(outdir), "wf-abc/wf-abc-123/res.tgz")
    # WHEN downloaded through the shapes a queried step exposes
    argo_dict = {"name": "res", "s3": {"key": "wf-abc/wf-abc-123/res.tgz"}}
    view = SimpleNamespace(name="res", s3=SimpleNamespace(key="wf-abc/wf-abc-123/res.tgz"))
    for n, artifact in enumerate([argo_dict, view]):
        out = tmp_path / f"out{n}"
        paths = download_artifact(artifact, path=out)
        # THEN the directory's content lands in the target, listed in catalog order
        assert paths == [str(out / "sub" / "r2.txt"), str(out / "r1.txt")]
        assert tree(out) == {"r1.txt": "1", "sub/r2.txt": "2"}


@ARCHIVES
def test_stacked_artifact_of_slices(backend, work, tmp_path, client, archive):
    # GIVEN three slices, each saving its output under one shared key prefix
    for index in (2, 0, 1):
        slice_dir = work / f"slice{index}" / "out"
        write(slice_dir / f"item{index}.txt", str(index))
        write_catalog(str(slice_dir), [f"item{index}.txt"], start=index)
        suffix = "out.tgz" if archive else "out"
        save_artifact(client, str(slice_dir), f"wf/stack/{index}/{suffix}", archive=archive)
    if not archive:  # archive: none slices write their content straight into the prefix
        for index in range(3):
            copy_s3(f"wf/stack/{index}/out", "wf/flat")
    key = "wf/stack" if archive else "wf/flat"
    out = tmp_path / "out"
    paths = download_artifact(key, path=out)
    assert paths == [str(out / f"item{i}.txt") for i in range(3)]


def test_missing_key_is_a_clear_error(backend, tmp_path):
    with pytest.raises(StorageError, match="no artifact at key 'upload/nothing-here'"):
        download_artifact("upload/nothing-here", path=tmp_path / "out")
    assert os.listdir(tmp_path / "out") == []


def test_extract_false_keeps_the_tarball(backend, work, tmp_path):
    write(work / "f.txt", "f")
    art = upload_artifact("f.txt")
    out = tmp_path / "out"
    assert download_artifact(art, path=out, extract=False) == [str(out / "upload.tgz")]


PART = 5 << 20  # the smallest part S3 allows, to keep the uploads small


@pytest.mark.parametrize("size", [PART - 1, PART, 2 * PART, 2 * PART + 7])
def test_streams_around_the_part_size_come_back_whole(s3_config_for_tests, tmp_path, size):
    # one PUT below a part; a multipart upload of one, two or three parts from a part on
    client = S3Client()
    data = os.urandom(size)
    bucket, stream = client.bucket_name, io.BytesIO(data)
    client._writable()
    put_stream(client.minio, bucket, "edge/object", stream, client._retry_raw, part_size=PART)
    client.download("edge/object", str(tmp_path / "back"))
    client.delete("edge/object")
    assert (tmp_path / "back").read_bytes() == data

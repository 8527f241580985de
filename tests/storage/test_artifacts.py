"""save_artifact / load_artifact store and place artifacts as Argo's executor does."""

from __future__ import annotations

import gzip
import os
import tarfile

import pytest
from storage_helpers import tree, write

from dflow.errors import StorageError
from dflow.storage import load_artifact, save_artifact


def _names(client, key, tmp_path):
    local = tmp_path / "fetched.tgz"
    client.download(key, str(local))
    with tarfile.open(local, "r:gz") as tar:
        return sorted(tar.getnames())


def test_tar_of_a_file_has_its_basename_as_single_entry(backend, client, tmp_path):
    write(tmp_path / "src" / "result.json", "{}")
    save_artifact(client, str(tmp_path / "src" / "result.json"), "wf/pod/result.tgz")
    assert _names(client, "wf/pod/result.tgz", tmp_path) == ["result.json"]
    dest = tmp_path / "inputs" / "artifacts" / "in"
    load_artifact(client, "wf/pod/result.tgz", str(dest))
    assert dest.read_text() == "{}"


def test_tar_of_a_directory_is_loaded_as_the_destination(backend, client, tmp_path):
    write(tmp_path / "out" / "a.txt", "a")
    os.makedirs(tmp_path / "out" / "empty")
    save_artifact(client, str(tmp_path / "out"), "wf/pod/out.tgz")
    assert _names(client, "wf/pod/out.tgz", tmp_path) == ["out", "out/a.txt", "out/empty"]
    dest = tmp_path / "inputs" / "x"
    load_artifact(client, "wf/pod/out.tgz", str(dest))
    assert tree(dest) == {"a.txt": "a", "empty/": "/"}


def test_archive_none_file_and_directory(backend, client, tmp_path):
    write(tmp_path / "f.txt", "f")
    write(tmp_path / "d" / "g.txt", "g")
    os.makedirs(tmp_path / "d" / "hollow")
    save_artifact(client, str(tmp_path / "f.txt"), "plain/f", archive=None)
    save_artifact(client, str(tmp_path / "d"), "plain/d", archive=None)
    assert client.list("plain/", recursive=False) == ["plain/d/", "plain/f"]
    assert client.list("plain/d/") == ["plain/d/g.txt", "plain/d/hollow/"]
    load_artifact(client, "plain/f", str(tmp_path / "in" / "file"))
    load_artifact(client, "plain/d", str(tmp_path / "in" / "dir"))
    assert (tmp_path / "in" / "file").read_text() == "f"
    assert tree(tmp_path / "in" / "dir") == {"g.txt": "g", "hollow/": "/"}


def test_plain_gzip_is_decompressed(backend, client, tmp_path):
    source = tmp_path / "log.gz"
    source.write_bytes(gzip.compress(b"line\n" * 100))
    client.upload("wf/log.gz", str(source))
    load_artifact(client, "wf/log.gz", str(tmp_path / "log"))
    assert (tmp_path / "log").read_bytes() == b"line\n" * 100


def test_load_of_a_missing_key_names_it(backend, client, tmp_path):
    with pytest.raises(StorageError, match="no artifact at key 'wf/none'"):
        load_artifact(client, "wf/none", str(tmp_path / "dest"))
    assert os.listdir(tmp_path) == []


def test_unknown_archive_is_refused(backend, client, tmp_path):
    write(tmp_path / "f.txt")
    with pytest.raises(StorageError, match="unknown archive 'zip'"):
        save_artifact(client, str(tmp_path / "f.txt"), "k", archive="zip")

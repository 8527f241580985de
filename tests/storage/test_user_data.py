"""A user's own files come back as they were: their archives stay packed, files keep their names."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import tarfile

import pytest
from archives import file, tarball
from storage_helpers import tree, write

from dflow import OutputArtifact, Outputs, ShellOPTemplate, Step, Workflow
from dflow.config import config, s3_config
from dflow.storage import download_artifact, save_artifact, upload_artifact, upload_s3
from dflow.storage.gzipstream import has_dflow_mark


def _user_archive(path):
    path.write_bytes(tarball(lambda t: file(t, "inside.txt", b"packed")))
    return path.read_bytes()


@pytest.mark.parametrize("how", ["upload_artifact", "upload_s3"])
def test_a_users_tgz_under_a_prefix_stays_packed(backend, work, tmp_path, how):
    # GIVEN a folder holding the user's own backup.tgz, stored object by object
    os.makedirs(work / "folder")
    original = _user_archive(work / "folder" / "backup.tgz")
    write(work / "folder" / "notes.txt", "n")
    if how == "upload_artifact":
        art = upload_artifact("folder", archive=None)
    else:
        art = upload_s3("folder")
    # WHEN it is downloaded
    out = tmp_path / "out"
    download_artifact(art, path=out)
    # THEN backup.tgz comes back byte for byte, not unpacked, and nothing else appears
    top = out / "folder" if how == "upload_artifact" else out
    assert (top / "backup.tgz").read_bytes() == original
    assert sorted(os.listdir(top)) == ["backup.tgz", "notes.txt"]


def test_a_users_tgz_fetched_by_sub_path_stays_packed(backend, work, tmp_path):
    os.makedirs(work / "folder")
    original = _user_archive(work / "folder" / "backup.tgz")
    art = upload_artifact("folder", archive=None)
    out = tmp_path / "out"
    [got] = download_artifact(art, sub_path="folder/backup.tgz", path=out)
    assert got == str(out / "folder" / "backup.tgz")
    assert (out / "folder" / "backup.tgz").read_bytes() == original


def test_archives_dflow_writes_are_marked_and_read_by_every_reader(backend, client, work, tmp_path):
    write(work / "d" / "a.txt", "a")
    art = upload_artifact("d")
    local = tmp_path / "upload.tgz"
    client.download(art.key, str(local))
    data = local.read_bytes()
    assert has_dflow_mark(data[:64])
    assert not has_dflow_mark(_user_archive(tmp_path / "user.tgz")[:64])
    # gzip, tarfile's stream and file modes and GNU tar read it as an ordinary tar.gz
    assert gzip.decompress(data)[257:262] == b"ustar"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|gz") as tar:
        assert "d/a.txt" in [m.name for m in tar]
    with tarfile.open(local, mode="r:gz") as tar:
        assert "d/a.txt" in tar.getnames()
    if shutil.which("tar"):
        listing = subprocess.run(["tar", "tzf", str(local)], capture_output=True, text=True)
        assert listing.returncode == 0 and "d/a.txt" in listing.stdout.split()
        assert listing.stderr == ""


def test_a_single_file_output_downloads_under_its_own_name(backend, client, tmp_path):
    # GIVEN OutputArtifact(path="/tmp/o/greeting.txt") stored as Argo does, at <step>/g.tgz
    write(tmp_path / "o" / "greeting.txt", "hello\n")
    save_artifact(client, str(tmp_path / "o" / "greeting.txt"), "wf/wf-s-1/g.tgz")
    # WHEN downloaded THEN it is greeting.txt holding the text, not g.tgz
    out = tmp_path / "out"
    assert download_artifact("wf/wf-s-1/g.tgz", path=out) == [str(out / "greeting.txt")]
    assert tree(out) == {"greeting.txt": "hello\n"}
    # and extract=False keeps the stored archive under the key's name
    kept = tmp_path / "kept"
    assert download_artifact("wf/wf-s-1/g.tgz", path=kept, extract=False) == [str(kept / "g.tgz")]


def test_a_plain_gzip_object_downloads_decompressed_without_gz(backend, client, tmp_path):
    source = tmp_path / "log.gz"
    source.write_bytes(gzip.compress(b"line\n" * 3))
    client.upload("logs/run.log.gz", str(source))
    out = tmp_path / "out"
    assert download_artifact("logs/run.log.gz", path=out) == [str(out / "run.log")]
    assert (out / "run.log").read_bytes() == b"line\n" * 3


def test_a_step_output_file_keeps_its_name_through_the_local_engine(tmp_path, monkeypatch):
    # GIVEN a workflow on the local engine whose step writes one file as its output artifact
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    monkeypatch.chdir(tmp_path)
    greet = ShellOPTemplate(
        name="greet",
        script="mkdir -p /tmp/o && echo hello > /tmp/o/greeting.txt",
        outputs=Outputs(artifacts={"g": OutputArtifact(path="/tmp/o/greeting.txt")}),
    )
    wf = Workflow("names")
    wf.add(Step("greet", greet))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    # WHEN its output is downloaded THEN greeting.txt comes back (as Argo's output would)
    artifact = wf.query_step(name="greet")[0].outputs.artifacts["g"]
    paths = download_artifact(artifact, path="got")
    assert paths == [os.path.join("got", "greeting.txt")]  # under the path as given
    assert (tmp_path / "got" / "greeting.txt").read_text() == "hello\n"

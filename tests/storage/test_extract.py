"""Extraction checked member by member: no escape through links, limits, no half-written output."""

from __future__ import annotations

import io
import json
import os
import sys
import tarfile
import time

import pytest
from archives import directory, file, link, path_max_chain, special, tarball, zero_bomb
from storage_helpers import tree, write

from dflow.config import config
from dflow.errors import StorageError
from dflow.storage import download_artifact, load_artifact, upload_artifact
from dflow.storage.extract import ArchiveLimits, extract_tar


def _filter_has_the_path_max_bypass() -> bool:
    """Whether this Python's ``tarfile`` data filter is one the PATH_MAX chain slips past."""
    fixed = {(3, 11): 13, (3, 12): 11, (3, 13): 4}
    minor = sys.version_info[:2]
    return minor in fixed and sys.version_info[2] < fixed[minor]


def test_path_max_link_chain_cannot_write_outside(backend, client, tmp_path):
    # GIVEN a file beside the download target and the PATH_MAX link-chain archive aimed at it
    sandbox = tmp_path / "sandbox"
    victim = write(sandbox / "victim.txt", "mine\n")
    out = sandbox / "out"
    # aimed from where download_artifact extracts (a temporary directory inside `out`)
    archive = path_max_chain(str(out / ".dflow-download-xxxxxxxx" / "object" / "data"), victim)
    (tmp_path / "chain.tgz").write_bytes(archive)
    client.upload("evil/chain.tgz", str(tmp_path / "chain.tgz"))
    # WHEN it is downloaded, and loaded as a step's input as the local engine does
    with pytest.raises(StorageError, match="refused to extract member 'a/b/.*link or a file"):
        download_artifact("evil/chain.tgz", path=out)
    with pytest.raises(StorageError, match="refused to extract member"):
        load_artifact(client, "evil/chain.tgz", str(sandbox / "in" / "dest"))
    # THEN nothing outside changed and nothing is left in the targets
    assert victim.read_text() == "mine\n"
    assert os.listdir(out) == [] and os.listdir(sandbox / "in") == []


@pytest.mark.skipif(
    not _filter_has_the_path_max_bypass(), reason="this Python's data filter is fixed"
)
def test_the_chain_archive_does_escape_the_data_filter_of_this_python(tmp_path):
    # The archive above is the real attack: tarfile's own data filter lets it out here
    victim = write(tmp_path / "sandbox" / "victim.txt", "mine\n")
    dest = tmp_path / "sandbox" / "dest"
    dest.mkdir()
    with tarfile.open(fileobj=io.BytesIO(path_max_chain(str(dest), str(victim)))) as tar:
        tar.extractall(dest, filter="data")
    assert victim.read_text() == "overwritten by the archive"


def _extract(tmp_path, add, limits=None):
    dest = tmp_path / "dest"
    dest.mkdir()
    extract_tar(io.BytesIO(tarball(add)), str(dest), "the test archive", limits)
    return dest


HOSTILE = {
    # a link may climb only at its start: `up/..` is the parent of wherever `up` points
    "climb-after-name": (
        lambda t: (link(t, "up", "."), link(t, "x", "up/..")),
        "x",
        "climbs",
    ),
    "climb-out": (lambda t: link(t, "d/x", "../../outside"), "d/x", "outside the target"),
    "write-through-link": (
        lambda t: (directory(t, "real"), link(t, "alias", "real"), file(t, "alias/f")),
        "alias/f",
        "'alias' in its path is a link",
    ),
    "hardlink-outside": (lambda t: link(t, "h", "../etc/passwd", hard=True), "h", "'..'"),
    "hardlink-to-link": (
        lambda t: (link(t, "s", "."), link(t, "h", "s", hard=True)),
        "h",
        "not a regular file",
    ),
    "hardlink-unknown": (lambda t: link(t, "h", "nothing", hard=True), "h", "not extracted"),
    "fifo": (lambda t: special(t, "pipe", tarfile.FIFOTYPE), "pipe", "FIFO"),
    "device": (lambda t: special(t, "dev", tarfile.CHRTYPE), "dev", "device"),
    "replace-directory": (
        lambda t: (directory(t, "d"), file(t, "d/f"), link(t, "d", ".")),
        "d",
        "replace a directory",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_member_is_refused_by_name(tmp_path, case):
    add, member, reason = HOSTILE[case]
    with pytest.raises(StorageError, match=f"member '{member}' of the test archive: .*{reason}"):
        _extract(tmp_path, add)


def test_ordinary_links_and_dot_prefixed_names_are_kept(tmp_path):
    # GIVEN what tools make: "./" names (GNU tar -C dir .), links inside, a hard link
    def add(tar):
        directory(tar, "./")
        file(tar, "./data/a.txt", b"a")
        link(tar, "./data/b.txt", "a.txt")
        link(tar, "./top", "data/a.txt")
        link(tar, "./data/sub/up", "../a.txt")
        link(tar, "./hard.txt", "data/a.txt", hard=True)

    dest = _extract(tmp_path, add)
    assert os.readlink(dest / "data" / "b.txt") == "a.txt"
    assert (dest / "top").read_text() == "a" and (dest / "data" / "sub" / "up").read_text() == "a"
    assert (dest / "hard.txt").read_text() == "a"
    assert not (dest / "hard.txt").is_symlink()


def test_modes_lose_setuid_and_group_write(tmp_path):
    def add(tar):
        info = tarfile.TarInfo("run.sh")
        info.size, info.mode = 2, 0o6777
        tar.addfile(info, io.BytesIO(b"ok"))

    assert (_extract(tmp_path, add) / "run.sh").stat().st_mode & 0o7777 == 0o755


# -- limits -------------------------------------------------------------------------------------


def test_limit_defaults_are_the_config_defaults():
    assert ArchiveLimits.from_config(config) == ArchiveLimits()
    assert ArchiveLimits() == ArchiveLimits(50_000, 64 << 30, 200.0)


def test_zero_bomb_is_stopped_by_the_ratio_and_leaves_nothing(backend, client, tmp_path):
    # GIVEN 1 GiB of zeros in a 1 MB object
    bomb = tmp_path / "bomb.tgz"
    bomb.write_bytes(zero_bomb(1 << 30))
    assert bomb.stat().st_size < 1_100_000
    client.upload("bomb/zeros.tgz", str(bomb))
    out = tmp_path / "out"
    started = time.monotonic()
    # WHEN downloaded with the default limits THEN it is refused, naming key and setting
    with pytest.raises(StorageError, match="'bomb/zeros.tgz'.*archive_max_ratio"):
        download_artifact("bomb/zeros.tgz", path=out)
    assert os.listdir(out) == []
    assert time.monotonic() - started < 60


def test_entries_and_bytes_limits_come_from_config(backend, client, tmp_path, monkeypatch):
    many = tmp_path / "many.tgz"
    many.write_bytes(tarball(lambda t: [file(t, f"f{i}", b"x" * 100) for i in range(30)]))
    client.upload("lim/many.tgz", str(many))
    monkeypatch.setitem(config, "archive_max_entries", 20)
    with pytest.raises(StorageError, match="'lim/many.tgz'.*20 entries.*archive_max_entries"):
        download_artifact("lim/many.tgz", path=tmp_path / "a")
    monkeypatch.setitem(config, "archive_max_entries", 30)
    monkeypatch.setitem(config, "archive_max_bytes", 2999)
    with pytest.raises(StorageError, match="2999 bytes.*archive_max_bytes"):
        download_artifact("lim/many.tgz", path=tmp_path / "b")
    assert os.listdir(tmp_path / "a") == [] and os.listdir(tmp_path / "b") == []
    monkeypatch.setitem(config, "archive_max_bytes", 3000)
    assert len(download_artifact("lim/many.tgz", path=tmp_path / "c")) == 30


def test_entries_limit_holds_for_the_local_engine_input_path(backend, client, tmp_path):
    many = tmp_path / "many.tgz"
    many.write_bytes(tarball(lambda t: [file(t, f"f{i}") for i in range(11)]))
    client.upload("lim/many.tgz", str(many))
    with pytest.raises(StorageError, match="more than 10 entries"):
        load_artifact(client, "lim/many.tgz", str(tmp_path / "in" / "x"), ArchiveLimits(10))
    assert os.listdir(tmp_path / "in") == []


# (a non-numeric string order is the key of a dict of paths, as the original writes them)
@pytest.mark.parametrize("order", [1e11, 10**11, -(10**11), 1.5, "", True, None])
def test_catalog_order_out_of_bounds_is_refused_at_once(backend, client, work, tmp_path, order):
    # GIVEN a list artifact whose catalog claims position 1e11 (a list that would fill memory)
    write(work / "a.txt", "a")
    art = upload_artifact(["a.txt"], archive=None)
    [catalog_key] = client.list(art.key + "/.dflow/")
    body = {"path_list": [{"dflow_list_item": "a.txt", "order": order}]}
    write(tmp_path / "cat.json", json.dumps(body))
    client.upload(catalog_key, str(tmp_path / "cat.json"))
    started = time.monotonic()
    with pytest.raises(StorageError, match="catalog file .* is not a valid catalog: .*order"):
        download_artifact(art, path=tmp_path / "out")
    assert time.monotonic() - started < 10
    assert tree(tmp_path / "out") == {}


def test_catalog_bound_comes_from_config(backend, work, tmp_path, monkeypatch):
    write(work / "a.txt", "a")
    art = upload_artifact(["a.txt", None, None, None])
    monkeypatch.setitem(config, "catalog_max_items", 3)
    with pytest.raises(StorageError, match="beyond the 3 positions"):
        download_artifact(art, path=tmp_path / "out")
    monkeypatch.setitem(config, "catalog_max_items", 4)
    assert (
        download_artifact(art, path=tmp_path / "ok")
        == [str(tmp_path / "ok" / "a.txt")] + [None] * 3
    )


def test_a_step_input_of_a_hostile_archive_fails_the_step_on_the_local_engine(
    tmp_path, monkeypatch
):
    # GIVEN the link-chain archive in the local engine's store, as a step's input artifact
    from dflow import InputArtifact, Inputs, S3Artifact, ShellOPTemplate, Step, Workflow
    from dflow.config import s3_config
    from dflow.storage import LocalClient

    store = LocalClient(str(tmp_path / "store"))
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", store)
    victim = write(tmp_path / "victim.txt", "mine\n")
    archive = tmp_path / "chain.tgz"
    # aimed from where the engine extracts the input (ids of the usual lengths stand in)
    wf_id, pod_id = "hostile-input-xxxxx", "hostile-input-xxxxx-1234567890"
    dest = tmp_path / "root" / "workflows" / wf_id / "steps" / pod_id / "tmp" / "in"
    archive.write_bytes(path_max_chain(str(dest / ".dflow-load-xxxxxxxx" / "data"), victim))
    store.upload("evil/chain.tgz", str(archive))
    read = ShellOPTemplate(
        name="read",
        script="ls /tmp/in/x",
        inputs=Inputs(artifacts={"x": InputArtifact(path="/tmp/in/x")}),
    )
    wf = Workflow("hostile-input")
    wf.add(Step("read", read, artifacts={"x": S3Artifact(key="evil/chain.tgz")}))
    # WHEN it runs THEN the step fails on the refused member, and nothing outside changed
    wf.submit()
    assert wf.query_status() == "Failed"
    [step] = wf.query_step(name="read")
    assert "refused to extract member 'a/b/" in step["message"]
    assert "'evil/chain.tgz'" in step["message"] and len(step["message"]) < 1000
    assert victim.read_text() == "mine\n"

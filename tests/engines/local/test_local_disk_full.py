"""A state that cannot be written (disk full): a clear error, the old state kept, no temp file."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest
from helpers import shell

from dflow import Step, Workflow, config
from dflow.engines.local import LocalEngine
from dflow.errors import StorageError


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (root only) holding the engine's root."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(path: Path) -> None:
    """Write into ``path`` until the file system is full."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def temp_files(root: Path) -> list:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp") or ".dflow-part-" in p.name]


def test_submit_on_a_full_disk_fails_clearly_and_leaves_nothing_behind(local_root, small_disk):
    root = small_disk / "engine"
    config["debug_workdir"] = str(root)
    first = Workflow(name="first")
    first.add(Step("s", shell("s", "echo ok")))
    first.submit()
    assert first.query_status() == "Succeeded"
    state = root / "workflows" / first.id / "state.json"
    before = state.read_bytes()
    fill(small_disk / "filler")
    # WHEN a second workflow is submitted on the full disk
    second = Workflow(name="second")
    second.add(Step("s", shell("s", "echo ok")))
    with pytest.raises(StorageError, match="cannot write the state of workflow 'second-") as err:
        second.submit()
    assert "No space left on device" in str(err.value)
    # THEN nothing of it is left, its name is free, the first one is intact
    assert [p.name for p in (root / "workflows").iterdir()] == [first.id]
    assert temp_files(root) == []
    assert state.read_bytes() == before
    # AND once there is room again, the name works
    engine = LocalEngine()
    assert engine.get(first.id)["status"]["phase"] == "Succeeded"
    os.remove(small_disk / "filler")
    second.submit()
    assert second.query_status() == "Succeeded"


def test_a_state_that_cannot_be_saved_at_the_end_names_the_workflow(local_root, small_disk):
    root = small_disk / "engine"
    config["debug_workdir"] = str(root)
    # GIVEN a step that fills the disk (and succeeds), so the final state cannot be written
    # (it writes in its working directory, which is in its step folder on the small disk)
    hog = shell("hog", "head -c 4000000 /dev/zero > filler 2>/dev/null; true")
    wf = Workflow(name="filled")
    wf.add(Step("hog", hog))
    with pytest.raises(StorageError, match="cannot write the state of workflow 'filled-"):
        wf.submit()
    # THEN the workflow exists and has its id; its last written state is intact and readable
    assert wf.id and wf.id.startswith("filled-")
    assert temp_files(root) == []
    for filler in root.rglob("filler"):
        os.remove(filler)
    assert wf.query_status() == "Error"
    assert "ended" in wf.query().status.message

"""The archive writer's pieces: the block pipe between threads and the gzip stream it carries."""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import tarfile
import threading

import pytest

from dflow.errors import StorageError
from dflow.storage.archive import write_tar_gz
from dflow.storage.blockpipe import BlockPipe
from dflow.storage.gzipstream import GzipStreamWriter


def _write_in_thread(pipe, pieces, error=None):
    def run():
        try:
            for piece in pieces:
                pipe.write(piece)
        except BrokenPipeError:
            outcome.append("broken")
            return
        pipe.finish(error)
        outcome.append("finished")

    outcome = []
    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_blocks_arrive_whole_in_order_and_reads_of_a_block_get_it_uncopied():
    # GIVEN writes of uneven sizes through a pipe of 1000-byte blocks
    data = os.urandom(10_500)
    pieces = [data[i : i + 333] for i in range(0, len(data), 333)]
    pipe = BlockPipe(1000)
    thread, outcome = _write_in_thread(pipe, pieces)
    # WHEN the reader reads a block at a time, then past the end
    blocks = []
    while True:
        block = pipe.read(1000)
        if not block:
            break
        blocks.append(block)
    thread.join()
    # THEN every block but the last is full, the bytes are those written, and the end repeats
    assert [len(b) for b in blocks] == [1000] * 10 + [500]
    assert b"".join(blocks) == data and outcome == ["finished"]
    assert pipe.read(1000) == b""


def test_a_block_written_whole_is_handed_over_as_the_same_object():
    block = os.urandom(4096)
    pipe = BlockPipe(4096)
    thread, _ = _write_in_thread(pipe, [block])
    assert pipe.read(4096) is block
    thread.join()


def test_small_and_unbounded_reads_see_the_same_bytes():
    data = os.urandom(5000)
    pipe = BlockPipe(1024)
    thread, _ = _write_in_thread(pipe, [data])
    first = pipe.read(10)
    rest = pipe.read()
    thread.join()
    assert first + rest == data


def test_the_writers_error_reaches_the_reader_instead_of_the_end():
    # GIVEN a writer that fails after writing some blocks
    pipe = BlockPipe(100)
    failure = StorageError("archiving failed: disk gone")
    thread, _ = _write_in_thread(pipe, [b"x" * 250], error=failure)
    # THEN the reader gets the whole blocks, then the error, never a quiet end
    assert pipe.read(100) == b"x" * 100
    assert pipe.read(100) == b"x" * 100
    with pytest.raises(StorageError, match="disk gone"):
        pipe.read(100)
    thread.join()


def test_a_writer_is_held_back_and_then_stopped_when_the_reader_leaves():
    # GIVEN a pipe holding at most one finished block and a writer of many
    pipe = BlockPipe(100, depth=1)
    thread, outcome = _write_in_thread(pipe, [b"y" * 100] * 50)
    assert pipe.read(100) == b"y" * 100
    thread.join(timeout=0.2)
    assert thread.is_alive()  # blocked: the reader has not taken the next blocks
    # WHEN the reader closes the pipe THEN the writer stops with BrokenPipeError
    pipe.close()
    thread.join(timeout=10)
    assert not thread.is_alive() and outcome == ["broken"]


@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_mixed_random_and_text_data_is_a_gzip_every_reader_takes(tmp_path, level):
    # GIVEN a tree with a random file (stored blocks), text (deflated) and many small files
    root = tmp_path / "tree"
    os.makedirs(root / "small")
    (root / "random.bin").write_bytes(os.urandom(9_000_123))
    (root / "text.txt").write_text("line of text\n" * 400_000)
    for i in range(200):
        (root / "small" / f"f{i}").write_bytes(os.urandom(i * 13))
    os.makedirs(root / "empty")
    # WHEN it is archived
    out = io.BytesIO()
    write_tar_gz(out, [(str(root), "tree")], level)
    data = out.getvalue()
    # THEN gzip, tarfile and GNU tar read back every byte
    plain = gzip.decompress(data)
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        assert tar.extractfile("tree/random.bin").read() == (root / "random.bin").read_bytes()
        assert tar.extractfile("tree/text.txt").read() == (root / "text.txt").read_bytes()
        assert tar.getmember("tree/empty").isdir()
        assert len(tar.getnames()) == 205
    if shutil.which("tar"):
        (tmp_path / "a.tgz").write_bytes(data)
        os.makedirs(tmp_path / "x")
        done = subprocess.run(["tar", "xzf", "../a.tgz"], cwd=tmp_path / "x", capture_output=True)
        assert done.returncode == 0 and done.stderr == b""
        same = subprocess.run(["diff", "-r", str(root), str(tmp_path / "x" / "tree")])
        assert same.returncode == 0
    # and the text is compressed when a level is asked for; level 0 adds only block headers
    if level:
        assert len(data) < len(plain) - 4_000_000
    else:
        assert len(plain) < len(data) < len(plain) * 1.001 + 1000


def test_writes_into_a_reused_buffer_are_kept_as_they_were():
    out = io.BytesIO()
    gz = GzipStreamWriter(out, level=0)
    buffer = bytearray(b"a" * 1000)
    gz.write(buffer)
    buffer[:] = b"b" * 1000
    gz.write(buffer)
    gz.close()
    assert gzip.decompress(out.getvalue()) == b"a" * 1000 + b"b" * 1000

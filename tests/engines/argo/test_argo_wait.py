"""Bounded waits against a failing, slow, frozen or confused Argo server.

Time bounds here are generous on purpose: they prove that a call ends, not how fast.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest
from argo_server import TOKEN, ArgoTestServer, hello_manifest

from dflow import Step, Workflow
from dflow.engines.argo import ArgoEngine
from dflow.errors import ArgoAPIError, DflowError, WaitTimeoutError

SERVER = Path(__file__).resolve().parents[2] / "argo_server.py"


def engine(url: str, **kw: Any) -> ArgoEngine:
    kw.setdefault("backoff", 0.01)
    kw.setdefault("token", TOKEN)
    return ArgoEngine(host=url, namespace="argo", **kw)


def submitted(server: ArgoTestServer, **kw: Any) -> tuple:
    eng = engine(server.url, **kw)
    return eng, eng.submit(hello_manifest())["metadata"]["name"]


# -- outages -----------------------------------------------------------------------------------


def test_wait_rides_out_an_outage_longer_than_the_retries_of_one_call(argo_server):
    # GIVEN more failed polls in a row than a single call may retry
    eng, name = submitted(argo_server, retries=1)
    argo_server.fail_next(4, 503, method="GET", message="etcd is down")
    argo_server.fail_next(3, 0, method="GET")  # then dropped connections
    # WHEN waiting THEN the outage passes and the final phase comes back
    assert eng.wait(name, interval=0.01) == "Succeeded"
    assert len(argo_server.calls("GET")) == 8


def test_wait_gives_up_at_its_deadline_saying_how_long_and_what_the_server_said(argo_server):
    eng, name = submitted(argo_server)
    argo_server.fail_next(10_000, 503, method="GET", message="etcd is down")
    start = time.monotonic()
    with pytest.raises(ArgoAPIError) as err:
        eng.wait(name, interval=0.05, timeout=1.0)
    assert time.monotonic() - start < 30
    assert err.value.status == 503 and err.value.workflow == name
    assert "gave up waiting after" in str(err.value) and "etcd is down" in str(err.value)
    assert len(argo_server.calls("GET")) >= 2  # it did try again


def test_wait_stops_at_once_on_an_error_no_retry_can_change(argo_server):
    with pytest.raises(ArgoAPIError) as err:
        engine(argo_server.url).wait("ghost", interval=0.01, timeout=60)
    assert err.value.status == 404 and len(argo_server.calls("GET")) == 1
    with pytest.raises(ArgoAPIError) as err:
        engine(argo_server.url, token="wrong").wait("ghost", interval=0.01)
    assert err.value.status == 401


def test_a_running_workflow_past_the_deadline_is_a_timeout_naming_its_phase(argo_server):
    eng, name = submitted(argo_server)
    argo_server.set_status(name, phase="Running")
    with pytest.raises(WaitTimeoutError) as err:
        eng.wait(name, interval=0.01, timeout=0.2)
    assert isinstance(err.value, DflowError) and isinstance(err.value, TimeoutError)
    assert err.value.phase == "Running" and "still Running after" in str(err.value)


# -- answers of the wrong shape -----------------------------------------------------------------


@pytest.mark.parametrize("body", [[], None, "text", 3, {"status": []}, {"metadata": "x"}])
def test_a_200_answer_of_the_wrong_shape_is_an_argo_error(argo_server, body):
    eng, name = submitted(argo_server)
    argo_server.reply_next(body, method="GET")
    with pytest.raises(ArgoAPIError) as err:
        eng.get(name)
    assert err.value.status == 200 and "JSON object" in str(err.value)
    argo_server.reply_next(body, method="GET")
    with pytest.raises(ArgoAPIError):
        eng.wait(name, interval=0.01)


@pytest.mark.parametrize("body", [{"items": {}}, {"items": [1]}, {"items": [{"status": 7}]}])
def test_a_list_of_the_wrong_shape_is_an_argo_error(argo_server, body):
    argo_server.reply_next(body, method="GET")
    with pytest.raises(ArgoAPIError) as err:
        engine(argo_server.url).list()
    assert err.value.status == 200


def test_an_answer_that_is_not_json_is_an_argo_error(argo_server):
    eng, name = submitted(argo_server)
    argo_server.fail_next(1, 200, method="GET", message="x")  # a JSON error body with status 200
    assert eng.get(name)["message"] == "x"  # a JSON object: passed on as it is
    argo_server.reply_next("<html>maintenance</html>", method="GET")
    with pytest.raises(ArgoAPIError, match="not a JSON object"):
        eng.get(name)


# -- slow and frozen servers ---------------------------------------------------------------------


def test_every_request_has_a_bounded_timeout(argo_server):
    eng, name = submitted(argo_server, request_timeout=0.5, retries=0)
    argo_server.hold_next(20, method="GET")
    start = time.monotonic()
    with pytest.raises(ArgoAPIError) as err:
        eng.get(name)
    assert time.monotonic() - start < 15
    assert err.value.status == 0 and "timed out" in str(err.value).lower()


def test_a_silent_server_holds_a_call_for_one_timeout_not_one_per_retry(argo_server):
    eng, name = submitted(argo_server, request_timeout=0.5, retries=4)
    argo_server.hold_next(20, count=5, method="GET")
    start = time.monotonic()
    with pytest.raises(ArgoAPIError) as err:
        eng.get(name)
    assert time.monotonic() - start < 15
    assert err.value.transient and len(argo_server.calls("GET")) == 1


def test_the_wait_deadline_bounds_a_request_that_would_take_longer(argo_server):
    eng, name = submitted(argo_server, request_timeout=120)
    argo_server.hold_next(60, method="GET")
    start = time.monotonic()
    with pytest.raises(ArgoAPIError) as err:
        eng.wait(name, interval=0.05, timeout=1.0)
    assert time.monotonic() - start < 30
    assert "gave up waiting after" in str(err.value)


@pytest.fixture
def server_process() -> Iterator[Any]:
    """The Argo test server in a process of its own (so that it can be frozen), by its PID."""
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--complete-as", "Succeeded"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        proc.url = proc.stdout.readline().strip()
        assert proc.url.startswith("http://127.0.0.1:"), proc.url
        yield proc
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.terminate()
        proc.wait(timeout=30)


def test_a_frozen_server_ends_the_wait_at_its_deadline(server_process):
    name = engine(server_process.url).submit(hello_manifest())["metadata"]["name"]
    eng = engine(server_process.url, request_timeout=0.5)
    os.kill(server_process.pid, signal.SIGSTOP)
    start = time.monotonic()
    with pytest.raises(ArgoAPIError) as err:
        eng.wait(name, interval=0.1, timeout=2.0)
    assert time.monotonic() - start < 30
    assert err.value.status == 0
    assert "gave up waiting after" in str(err.value) and "timed out" in str(err.value).lower()


def test_wait_outlasts_a_server_frozen_for_a_while(server_process):
    name = engine(server_process.url).submit(hello_manifest())["metadata"]["name"]
    eng = engine(server_process.url, request_timeout=0.5)
    os.kill(server_process.pid, signal.SIGSTOP)
    thaw = threading.Timer(1.5, os.kill, (server_process.pid, signal.SIGCONT))
    thaw.start()
    try:
        assert eng.wait(name, interval=0.1, timeout=120) == "Succeeded"
    finally:
        thaw.cancel()


# -- the Workflow API ----------------------------------------------------------------------------


def test_workflow_wait_takes_a_timeout_and_a_config_default(argo_config):
    from dflow import ShellOPTemplate
    from dflow.config import config

    wf = Workflow("slow")
    wf.add(Step("a", ShellOPTemplate(name="a", image="alpine", script="true")))
    wf.submit()
    argo_config.set_status(wf.id, phase="Running")
    with pytest.raises(WaitTimeoutError):
        wf.wait(interval=0.01, timeout=0.1)
    config["wait_timeout"] = 0.1
    with pytest.raises(WaitTimeoutError):
        wf.wait(interval=0.01)
    argo_config.set_status(wf.id, phase="Succeeded")
    assert wf.wait(interval=0.01) == "Succeeded"


def test_workflow_wait_timeout_on_the_local_engine(tmp_path):
    from dflow import ShellOPTemplate
    from dflow.config import config, s3_config
    from dflow.storage import LocalClient

    saved = dict(config), dict(s3_config)
    config.update(mode="debug", debug_workdir=str(tmp_path / "engine"), detach=True)
    s3_config["storage_client"] = LocalClient(str(tmp_path / "engine" / "artifacts"))
    wf = Workflow("sleepy")
    wf.add(Step("nap", ShellOPTemplate(name="nap", image="alpine", script="sleep 30")))
    try:
        wf.submit()
        with pytest.raises(WaitTimeoutError) as err:
            wf.wait(interval=0.05, timeout=0.5)
        assert err.value.workflow == wf.id
    finally:
        wf.terminate()
        config.clear()
        config.update(saved[0])
        s3_config.clear()
        s3_config.update(saved[1])


def test_a_silent_kubernetes_api_fails_the_reuse_submission_in_bounded_time(argo_config):
    from dflow import ShellOPTemplate
    from dflow.config import config

    def keyed() -> Workflow:
        wf = Workflow("memo")
        wf.add(Step("a", ShellOPTemplate(name="a", image="alpine", script="true"), key="a-1"))
        return wf

    first = keyed()
    first.submit()
    (reused,) = first.query_step(key="a-1")
    config["argo_request_timeout"] = 0.5
    argo_config.hold_next(20, method="POST", path_contains="/configmaps")
    start = time.monotonic()
    with pytest.raises(ArgoAPIError, match="memoization ConfigMap"):
        keyed().submit(reuse_step=[reused])
    assert time.monotonic() - start < 15
    assert len(argo_config.workflows) == 1  # the second workflow was never submitted

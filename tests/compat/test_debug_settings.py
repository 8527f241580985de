"""The original's ``debug_*`` settings are honoured by the local engine (or mapped, and said so).

Checked against the original 1.8.134: its ``config`` has ``debug_workdir``, ``debug_artifact_dir``,
``debug_copy_method`` and ``debug_save_copy_method`` (``symlink``), ``debug_pool_workers`` and
``debug_batch_size`` (None), ``debug_batch_interval`` (30), ``debug_failfast`` and ``debug_s3``
(False), each read from ``DFLOW_DEBUG_<KEY>``; ``debug_pool_workers`` bounds how many items of a
fan-out run at once (-1: all), ``debug_batch_size`` items start, then it waits
``debug_batch_interval`` seconds, and ``debug_failfast`` stops at the first failed item. Its copy
methods decide how inputs and outputs are placed; ours always copies (a link would let one step
change another's files), accepts the three names and logs the mapping.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import InputParameter, OutputParameter, ShellOPTemplate, Step, Workflow, config
from dflow.engines.local import LocalEngine
from dflow.errors import DflowError

KEYS = [
    "debug_workdir",
    "debug_artifact_dir",
    "debug_copy_method",
    "debug_save_copy_method",
    "debug_pool_workers",
    "debug_batch_size",
    "debug_batch_interval",
    "debug_failfast",
    "debug_s3",
]


def test_environment_variables_are_read():
    env = dict(os.environ)
    env.update(
        DFLOW_DEBUG_WORKDIR="/srv/wd",
        DFLOW_DEBUG_ARTIFACT_DIR="/srv/art",
        DFLOW_DEBUG_COPY_METHOD="copy",
        DFLOW_DEBUG_SAVE_COPY_METHOD="link",
        DFLOW_DEBUG_POOL_WORKERS="3",
        DFLOW_DEBUG_BATCH_SIZE="2",
        DFLOW_DEBUG_BATCH_INTERVAL="5",
        DFLOW_DEBUG_FAILFAST="true",
        DFLOW_DEBUG_S3="1",
    )
    code = f"import json; from dflow import config; print(json.dumps([config[k] for k in {KEYS}]))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["/srv/wd", "/srv/art", "copy", "link", 3, 2, 5, True, True]


def stamp_template():
    tpl = ShellOPTemplate(
        name="stamp",
        image="alpine:3",
        script="date +%s.%N > /tmp/t; sleep {{inputs.parameters.s}}; date +%s.%N > /tmp/e; "
        "exit {{inputs.parameters.code}}",
    )
    tpl.inputs.parameters = {"s": InputParameter(value=0), "code": InputParameter(value=0)}
    tpl.outputs.parameters = {
        "t": OutputParameter(value_from_path="/tmp/t"),
        "e": OutputParameter(value_from_path="/tmp/e"),
    }
    return tpl


@pytest.mark.usefixtures("debug")
def test_pool_workers_and_batches(tmp_path):
    config.update(debug_pool_workers=1)
    assert LocalEngine().workers == 1
    config.update(debug_pool_workers=-1)
    assert LocalEngine().workers >= 1000
    config.update(debug_pool_workers=None, debug_batch_size=1, debug_batch_interval=0.6)
    wf = Workflow("batches")
    wf.add(Step("fan", stamp_template(), parameters={"s": "{{item}}"}, with_items=[0, 0, 0]))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    starts = sorted(float(s.outputs.parameters["t"].value) for s in wf.query_step(name="fan"))
    assert len(starts) == 3 and starts[1] - starts[0] >= 0.5 and starts[2] - starts[1] >= 0.5


@pytest.mark.usefixtures("debug")
def test_failfast_stops_the_running_steps():
    config.update(debug_failfast=True)
    wf = Workflow("failfast")
    wf.add(
        Step(
            "fan",
            stamp_template(),
            parameters={"s": "{{item.s}}", "code": "{{item.code}}"},
            with_items=[{"s": 0, "code": 3}, {"s": 60, "code": 0}],
        )
    )
    started = time.monotonic()
    wf.submit()
    assert time.monotonic() - started < 30
    assert wf.query_status() == "Failed"
    assert "exit code 3" in wf.query().status.message


@pytest.mark.usefixtures("debug")
def test_artifact_dir_and_copy_methods(tmp_path, caplog, monkeypatch):
    from dflow import upload_artifact

    store = tmp_path / "store"
    config.update(debug_artifact_dir=str(store), debug_copy_method="symlink")
    (tmp_path / "f.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    from dflow.config import s3_config

    s3_config["storage_client"] = None  # the default local store, as a user has it
    with caplog.at_level(logging.INFO, logger="dflow"):
        art = upload_artifact("f.txt")
        wf = Workflow("artdir")
        wf.add(Step("s", stamp_template()))
        wf.submit()
    assert wf.query_status() == "Succeeded"
    assert any(Path(store).rglob("*")) and art.key
    assert "copies" in caplog.text and "debug_copy_method" in caplog.text
    config.update(debug_copy_method="hardlink")
    with pytest.raises(DflowError, match="debug_copy_method.*'hardlink'"):
        LocalEngine()

"""config and s3_config: defaults, DFLOW_* environment overrides, set_config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dflow import config, s3_config, set_config, set_s3_config

ROOT = Path(__file__).resolve().parent.parent


def _read_in_fresh_process(env: dict) -> dict:
    code = "import json, dflow; print(json.dumps([dflow.config, dflow.s3_config], default=str))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,  # this checkout's dflow, installed or not
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    cfg, s3 = json.loads(out.stdout)
    return {"config": cfg, "s3": s3}


def test_defaults_of_the_original():
    seen = _read_in_fresh_process({})
    assert seen["config"]["host"] == "https://127.0.0.1:2746"
    assert seen["config"]["namespace"] == "argo"
    assert seen["config"]["mode"] == "default"
    assert seen["s3"]["endpoint"] == "127.0.0.1:9000"
    assert seen["s3"]["access_key"] == "admin"
    assert seen["s3"]["secret_key"] == "password"
    assert seen["s3"]["secure"] is False
    assert seen["s3"]["bucket_name"] == "my-bucket"


def test_environment_overrides_with_types():
    seen = _read_in_fresh_process(
        {
            "DFLOW_HOST": "https://argo.example:2746",
            "DFLOW_MODE": "debug",
            "DFLOW_S3_SECURE": "true",
            "DFLOW_S3_PREFIX": "team/",
            "DFLOW_HTTP_HEADERS": '{"X-Trace": "1"}',
        }
    )
    assert seen["config"]["host"] == "https://argo.example:2746"
    assert seen["config"]["mode"] == "debug"
    assert seen["config"]["http_headers"] == {"X-Trace": "1"}
    assert seen["s3"]["secure"] is True
    assert seen["s3"]["prefix"] == "team/"


def test_set_config_and_set_s3_config():
    old_ns, old_bucket = config["namespace"], s3_config["bucket_name"]
    try:
        set_config(namespace="science")
        set_s3_config(bucket_name="results")
        assert config["namespace"] == "science"
        assert s3_config["bucket_name"] == "results"
    finally:
        set_config(namespace=old_ns)
        set_s3_config(bucket_name=old_bucket)

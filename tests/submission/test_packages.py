"""Local Python packages given to PythonOPTemplate are uploaded at submission and put on the
container's import path, on both engines."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from dflow import Step, Workflow
from dflow.config import config, s3_config
from dflow.python import PythonOPTemplate


def _make_package(root: Path) -> Path:
    """A package ``shippedpkg`` with an OP that doubles a number."""
    pkg = root / "shippedpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "ops.py").write_text(
        textwrap.dedent(
            """
            from dflow.python import OP, OPIO, OPIOSign

            class Double(OP):
                @classmethod
                def get_input_sign(cls):
                    return OPIOSign({"x": int})

                @classmethod
                def get_output_sign(cls):
                    return OPIOSign({"y": int})

                @OP.exec_sign_check
                def execute(self, op_in):
                    return OPIO({"y": 2 * op_in["x"]})
            """
        )
    )
    return pkg


@pytest.fixture
def double_op(tmp_path, monkeypatch):
    """The OP class, importable here; the package path is gone from sys.path before submission."""
    (tmp_path / "src").mkdir()
    pkg = _make_package(tmp_path / "src")
    sys.path.insert(0, str(pkg.parent))
    try:
        from shippedpkg.ops import Double
    finally:
        sys.path.remove(str(pkg.parent))
    monkeypatch.delitem(sys.modules, "shippedpkg")
    monkeypatch.delitem(sys.modules, "shippedpkg.ops")
    return Double, pkg


def test_local_engine_ships_packages(double_op, tmp_path, monkeypatch):
    # GIVEN debug mode with fresh step interpreters (no fork of a process that knows the package)
    double, pkg = double_op
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "debug_zygote", False)
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    wf = Workflow("ship")
    wf.add(
        Step("double", PythonOPTemplate(double, python_packages=[str(pkg)]), parameters={"x": 21})
    )
    # WHEN it runs THEN the step imported the OP from the shipped package
    wf.submit()
    step = wf.query_step(name="double")[0]
    assert wf.query_status() == "Succeeded", step.get("message")
    assert step.outputs.parameters["y"].value == 42


def test_without_the_package_the_step_cannot_import_the_op(double_op, tmp_path, monkeypatch):
    double, _ = double_op
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "debug_zygote", False)
    monkeypatch.setitem(config, "detach", False)
    wf = Workflow("noship")
    wf.add(Step("double", PythonOPTemplate(double), parameters={"x": 21}))
    wf.submit()
    assert wf.query_status() == "Failed"


def test_argo_submission_uploads_packages_to_s3(double_op, argo_config, s3_config_for_tests):
    # GIVEN the Argo engine (loopback server) and a real S3 server
    double, pkg = double_op
    wf = Workflow("ship")
    wf.add(
        Step("double", PythonOPTemplate(double, python_packages=[str(pkg)]), parameters={"x": 1})
    )
    # WHEN submitted
    wf.submit()
    # THEN the template reads the packages from a key that holds shippedpkg at its root
    (manifest,) = argo_config.workflows.values()
    (template,) = [t for t in manifest["spec"]["templates"] if t["name"] == "double"]
    (packages,) = [
        a for a in template["inputs"]["artifacts"] if a["name"] == "dflow_python_packages"
    ]
    from dflow.storage import download_artifact

    target = pkg.parent.parent / "got"
    download_artifact(packages["s3"]["key"], path=str(target))
    assert (target / "shippedpkg" / "ops.py").read_text() == (pkg / "ops.py").read_text()


def test_argo_ships_dflow_so_a_python_without_it_runs_the_op(
    double_op, argo_config, s3_config_for_tests, tmp_path
):
    # GIVEN a Python OP submitted to Argo (loopback server, real S3 server)
    double, pkg = double_op
    wf = Workflow("bare")
    wf.add(
        Step("double", PythonOPTemplate(double, python_packages=[str(pkg)]), parameters={"x": 21})
    )
    wf.submit()
    (manifest,) = argo_config.workflows.values()
    (template,) = [t for t in manifest["spec"]["templates"] if t["name"] == "double"]
    (packages,) = [
        a for a in template["inputs"]["artifacts"] if a["name"] == "dflow_python_packages"
    ]
    # WHEN the container's /tmp is laid out as Argo would (the packages artifact at its path)
    # and the script runs on an interpreter that has neither dflow nor any site-packages
    root = tmp_path / "container-tmp"
    from dflow.storage import download_artifact

    download_artifact(
        packages["s3"]["key"], path=str(root / "inputs/artifacts/dflow_python_packages")
    )
    script = template["script"]["source"].replace("/tmp/", f"{root}/")
    work = tmp_path / "work"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        cwd=work,
        env={"DFLOW_INPUT_x": "21", "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
    )
    # THEN the shipped dflow runs the OP from the shipped package
    assert done.returncode == 0, done.stderr
    assert (root / "outputs/parameters/y").read_text() == "42"


def test_shipping_dflow_can_be_turned_off(double_op, argo_config, s3_config_for_tests, monkeypatch):
    double, _ = double_op
    monkeypatch.setitem(config, "ship_dflow", False)
    wf = Workflow("noship")
    wf.add(Step("double", PythonOPTemplate(double), parameters={"x": 1}))
    wf.submit()
    (manifest,) = argo_config.workflows.values()
    (template,) = [t for t in manifest["spec"]["templates"] if t["name"] == "double"]
    (packages,) = [
        a for a in template["inputs"]["artifacts"] if a["name"] == "dflow_python_packages"
    ]
    assert "s3" not in packages and packages["optional"] is True

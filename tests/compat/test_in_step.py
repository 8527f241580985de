"""What an OP sees inside a step on the local engine, as on the original's debug mode.

Checked against pydflow 1.8.134: an OP reading ``dflow.config["mode"]`` in ``execute`` gets
``"debug"``; its own modules are imported from the user's path, ahead of installed packages.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

from dflow import Step, Workflow
from dflow.config import config, s3_config
from dflow.engines.local.pod import _DFLOW_HOME
from dflow.python import PythonOPTemplate

OPS = """
import sys
from dflow import config
from dflow.python import OP, OPIO, OPIOSign
import {pkg}


class Where(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({{}})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({{"mode": str, "who": str, "path": list}})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({{"mode": config["mode"], "who": {pkg}.WHO, "path": sys.path}})
"""


def _package(root: Path, name: str, who: str, ops: bool) -> None:
    pkg = root / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(f"WHO = {who!r}\n")
    if ops:
        (pkg / "ops.py").write_text(textwrap.dedent(OPS.format(pkg=name)))


def test_mode_and_the_users_modules_first(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    # GIVEN the user's package and an installed one of the same name, later on the path
    project, installed = tmp_path / "project", tmp_path / "site"
    _package(project, "dflow_compat_pkg", "user", ops=True)
    _package(installed, "dflow_compat_pkg", "installed", ops=False)
    monkeypatch.syspath_prepend(str(project))
    monkeypatch.setattr(sys, "path", sys.path + [str(installed)])
    try:
        ops = importlib.import_module("dflow_compat_pkg.ops")
        wf = Workflow("in-step")
        wf.add(Step("where", PythonOPTemplate(ops.Where)))
        wf.submit()
    finally:
        for name in ("dflow_compat_pkg", "dflow_compat_pkg.ops"):
            sys.modules.pop(name, None)
    assert wf.query_status() == "Succeeded"
    out = wf.query_step(name="where")[0].outputs.parameters
    # THEN the step runs in debug mode and imports the user's package
    assert out["mode"].value == "debug"
    assert out["who"].value == "user"
    # AND the user's path comes before dflow's home and every installed package
    path = out["path"].value
    first = path.index(str(project))
    assert first < path.index(_DFLOW_HOME)
    assert all(first < i for i, p in enumerate(path) if p.endswith("site-packages"))

"""A step sees the host's files (``/tmp`` included); only dflow's container paths are private.

Checked against the original 1.8.134 in debug mode: a Python OP given ``/tmp/.../data.txt`` as a
parameter reads the host file and imports a module from a directory under ``/tmp`` at run time;
a shell script's own ``/tmp/out.txt`` (declared as an output path) is the step's private file and
the host's ``/tmp`` does not get it; a parameter naming a host file under ``/tmp`` substituted into
the script is the host's file (the template text is mapped before substitution).
"""

from __future__ import annotations

import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import InputParameter, OutputParameter, ShellOPTemplate, Step, Workflow
from dflow.python import PythonOPTemplate

pytestmark = pytest.mark.usefixtures("debug")

OP_SOURCE = textwrap.dedent(
    """
    from dflow.python import OP, OPIO, OPIOSign


    class ReadHost(OP):
        @classmethod
        def get_input_sign(cls):
            return OPIOSign({"path": str, "mods": str})

        @classmethod
        def get_output_sign(cls):
            return OPIOSign({"text": str, "value": int})

        @OP.exec_sign_check
        def execute(self, op_in):
            import sys

            sys.path.insert(0, op_in["mods"])
            import compat_paths_helper

            text = open(op_in["path"]).read()
            return OPIO({"text": text, "value": compat_paths_helper.VALUE + 1})
    """
)


def test_python_op_reads_host_tmp_files_and_modules(tmp_path, monkeypatch):
    # GIVEN an OP module, a helper module and a data file, all under the host's /tmp
    assert str(tmp_path).startswith("/tmp/")
    (tmp_path / "compat_paths_ops.py").write_text(OP_SOURCE)
    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "compat_paths_helper.py").write_text("VALUE = 41\n")
    (tmp_path / "data.txt").write_text("from host\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from compat_paths_ops import ReadHost  # type: ignore[import-not-found]

    # WHEN a workflow runs it with those host paths as parameters
    wf = Workflow("paths")
    params = {"path": str(tmp_path / "data.txt"), "mods": str(tmp_path / "mods")}
    wf.add(Step("read", PythonOPTemplate(ReadHost, image="python:3.11"), parameters=params))
    wf.submit()

    # THEN the step saw the host's files, as the original's debug mode does
    assert wf.query_status() == "Succeeded"
    step = wf.query_step(name="read")[0]
    assert step.outputs.parameters["text"].value == "from host\n"
    assert int(step.outputs.parameters["value"].value) == 42
    sys.modules.pop("compat_paths_ops", None)


def test_script_tmp_paths_are_private_but_parameters_name_host_files(tmp_path):
    # GIVEN two parallel steps writing the same declared /tmp path of their own
    mine = f"/tmp/dflow-compat-{uuid.uuid4().hex}.txt"
    (tmp_path / "data.txt").write_text("host data")
    tpl = ShellOPTemplate(
        name="copy",
        image="alpine:3",
        script="cat {{inputs.parameters.p}} > MINE; echo {{inputs.parameters.n}} >> MINE".replace(
            "MINE", mine
        ),
    )
    tpl.inputs.parameters = {"p": InputParameter(), "n": InputParameter()}
    tpl.outputs.parameters = {"o": OutputParameter(value_from_path=mine)}
    wf = Workflow("private")
    data = str(tmp_path / "data.txt")
    wf.add([Step(f"s{i}", tpl, parameters={"p": data, "n": i}) for i in (1, 2)])

    # WHEN it runs
    wf.submit()

    # THEN each step read the host file named by its parameter and kept its own /tmp file
    assert wf.query_status() == "Succeeded"
    for i in (1, 2):
        assert wf.query_step(name=f"s{i}")[0].outputs.parameters["o"].value == f"host data{i}"
    assert not Path(mine).exists()

"""An OP whose module prints when it is imported runs like any other (checked against 1.8.134).

The module ``noisyop`` prints ``loading noisyop`` at import and defines the OP; a workflow of two
steps of it, in debug mode with the module on ``PYTHONPATH``: the original printed
``Succeeded`` and the second step's ``msg`` was ``hi``.
"""

from __future__ import annotations

import sys

from dflow import Step, Workflow
from dflow.config import config, s3_config

MODULE = """
print("loading noisyop")
import sys
print("and on stderr", file=sys.stderr)
from dflow.python import OP, OPIO, OPIOSign


class Hello(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"msg": str})

    @OP.exec_sign_check
    def execute(self, op_in):
        return OPIO({"msg": "hi"})
"""


def test_an_op_module_that_prints_on_import(tmp_path, monkeypatch) -> None:
    from dflow.python import PythonOPTemplate

    (tmp_path / "noisyop.py").write_text(MODULE)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "noisyop", raising=False)
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    from noisyop import Hello  # type: ignore[import-not-found]

    wf = Workflow("noisy")
    wf.add(Step("hello", PythonOPTemplate(Hello)))
    wf.add(Step("hello2", PythonOPTemplate(Hello)))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="hello2")[0].outputs.parameters["msg"].value == "hi"

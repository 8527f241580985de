"""An OP defined in the script being run ships with everything above it in its file.

Checked against 1.8.134: the script below printed ``Succeeded HI ANN!`` (the OP uses a helper
function, a helper class and a constant defined above it in ``__main__``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """\
from dflow import Step, Workflow, config
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate

config["mode"] = "debug"
SUFFIX = "!"


class Greeting:
    def __init__(self, text):
        self.text = text


def shout(text):
    return text.upper() + SUFFIX


class Greet(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"name": str})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"msg": str})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"msg": shout(Greeting("hi " + op_in["name"]).text)})


if __name__ == "__main__":
    wf = Workflow("greet")
    wf.add(Step("greet", PythonOPTemplate(Greet), parameters={"name": "ann"}))
    wf.submit()
    print(wf.query_status(), wf.query_step(name="greet")[0].outputs.parameters["msg"].value)
"""


def test_op_in_main_uses_helpers_defined_above_it(tmp_path: Path) -> None:
    # GIVEN a user's script whose OP calls a function and a class defined above it
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT)

    # WHEN the script runs in debug mode
    proc = _run(script, tmp_path)

    # THEN the step found them, as on the original
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "Succeeded HI ANN!"


def test_future_import_above_the_op_does_not_break_its_script(tmp_path: Path) -> None:
    # GIVEN the same script starting with a __future__ import (which must come first in a file)
    script = tmp_path / "user_script.py"
    script.write_text("from __future__ import annotations\n" + SCRIPT)

    # WHEN it runs in debug mode
    proc = _run(script, tmp_path)

    # THEN the step still runs (the original's step fails to compile)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "Succeeded HI ANN!"


def _run(script: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PYTHONPATH=str(Path(__file__).resolve().parents[2]),
        DFLOW_DEBUG_WORKDIR=str(tmp_path / "engine"),
    )
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


INDENTED = """\
import sys

from dflow import Step, Workflow, config
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate

config["mode"] = "debug"

if __name__ == "__main__":
    x = int(sys.argv[1])

    class Twice(OP):
        @classmethod
        def get_input_sign(cls):
            return OPIOSign({"x": int})

        @classmethod
        def get_output_sign(cls):
            return OPIOSign({"y": int})

        @OP.exec_sign_check
        def execute(self, op_in: OPIO) -> OPIO:
            return OPIO({"y": 2 * op_in["x"]})

    wf = Workflow("indented")
    wf.add(Step("twice", PythonOPTemplate(Twice), parameters={"x": x}))
    wf.submit()
    print(wf.query_status(), wf.query_step(name="twice")[0].outputs.parameters["y"].value)
"""


def test_op_defined_under_the_main_guard_ships_without_the_code_above_it(tmp_path: Path) -> None:
    # GIVEN an OP defined inside ``if __name__ == "__main__":``, after a line reading sys.argv
    # (the original ships that line too, and its step fails where the argument is missing)
    script = tmp_path / "user_script.py"
    script.write_text(INDENTED)

    # WHEN the script runs with its argument
    proc = _run(script, tmp_path, "21")

    # THEN the step ran the OP alone, with the imports of its file
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "Succeeded 42"

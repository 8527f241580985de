"""A template's artifacts leave out its big parameters (they are parameters to the user).

Checked against 1.8.134, for an OP with inputs ``a: BigParameter(int)``, ``p: int``,
``f: Artifact(Path)`` and outputs ``b: BigParameter(int)``, ``o: Artifact(Path)``:
``list(t.inputs.artifacts)`` gave ``['f', 'dflow_python_packages']``, ``list(t.outputs.artifacts)``
``['o']``; a Steps with big input ``a`` and artifact ``f`` and big output ``b`` listed artifacts
``['f']`` and ``[]``; a step of the OP listed output artifacts ``['o']`` and output parameters
``['b']``. dpgen2's ``CalyEvoStepMerge`` loops over ``inputs.artifacts`` this way.
"""

from __future__ import annotations

from pathlib import Path

from dflow import InputArtifact, InputParameter, OutputParameter, Step, Steps
from dflow.python import OP, OPIO, Artifact, BigParameter, OPIOSign, PythonOPTemplate


class Op(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"a": BigParameter(int), "p": int, "f": Artifact(Path)})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"b": BigParameter(int), "o": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"b": op_in["a"] + 1, "o": op_in["f"]})


def test_python_op_artifacts_leave_out_big_parameters():
    t = PythonOPTemplate(Op)
    ins, outs = t.inputs.artifacts, t.outputs.artifacts
    assert list(ins) == list(ins.keys()) == ["f", "dflow_python_packages"]
    assert list(outs) == [k for k, _ in outs.items()] == ["o"]
    assert len(ins) == 2 and len(outs) == 1 and len(list(outs.values())) == 1
    assert list(t.inputs.parameters) == ["a", "p"] and list(t.outputs.parameters) == ["b"]


def test_steps_and_step_artifacts_leave_out_big_parameters():
    s = Steps("s")
    s.inputs.parameters["a"] = InputParameter(save_as_artifact=True)
    s.inputs.artifacts["f"] = InputArtifact()
    s.outputs.parameters["b"] = OutputParameter(save_as_artifact=True)
    assert list(s.inputs.artifacts) == ["f"] and list(s.outputs.artifacts) == []
    assert {**s.inputs.artifacts} == {"f": s.inputs.artifacts["f"]}
    step = Step("x", PythonOPTemplate(Op), parameters={"a": 1, "p": 2})
    assert list(step.outputs.artifacts) == ["o"] and list(step.outputs.parameters) == ["b"]


def test_big_parameters_still_travel_as_artifacts_in_the_manifest():
    t = PythonOPTemplate(Op)
    s = Steps("s")
    s.add(Step("x", t, parameters={"a": 1, "p": 2}, artifacts={"f": None}))
    from dflow import Workflow

    manifest = Workflow("w", steps=s).to_dict()
    rendered = {tpl["name"]: tpl for tpl in manifest["spec"]["templates"]}[t.name]
    ins = [a["name"] for a in rendered["inputs"]["artifacts"]]
    outs = [a["name"] for a in rendered["outputs"]["artifacts"]]
    assert "dflow_bigpar_a" in ins and "f" in ins
    assert "dflow_bigpar_b" in outs and "o" in outs

"""``if_expression`` and ``== True`` take the branches the original takes (checked on 1.8.134).

The original renders ``if_expression(p, a, b)`` with a bare parameter ``p`` as
``(p == 'true' ? a : b)``, ``p == True`` / ``p == False`` as ``p == 'true'`` / ``p == 'false'``
(the string form the parameter carries), and a string ``_if``/``_then``/``_else`` as expression
text, not as a quoted literal. Its debug mode ran the convergence loop below (an OP returning
``converged: bool``, recursing ``when converged == False``) three times and gave ``result`` 3
(an int: the type of the ``_then`` branch); a step ``when=flag == False`` with ``flag`` true was
skipped and one ``when=flag == True`` ran.
"""

from __future__ import annotations

import pytest

from dflow import (
    InputParameter,
    Inputs,
    OutputParameter,
    Outputs,
    ShellOPTemplate,
    Step,
    Steps,
    Workflow,
    if_expression,
)
from dflow.config import config, s3_config
from dflow.python import OP, OPIO, OPIOSign, PythonOPTemplate


class Check(OP):
    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"iter": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"converged": bool, "next": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        return OPIO({"converged": op_in["iter"] >= 2, "next": op_in["iter"] + 1})


def _loop() -> Workflow:
    loop = Steps(
        "loop",
        inputs=Inputs(parameters={"iter": InputParameter()}),
        outputs=Outputs(parameters={"result": OutputParameter()}),
    )
    check = Step(
        "check", PythonOPTemplate(Check), parameters={"iter": loop.inputs.parameters["iter"]}
    )
    loop.add(check)
    converged = check.outputs.parameters["converged"]
    nxt = Step(
        "next",
        loop,
        parameters={"iter": check.outputs.parameters["next"]},
        when=converged == False,  # noqa: E712 - the original's idiom
    )
    loop.add(nxt)
    loop.outputs.parameters["result"].value_from_expression = if_expression(
        _if=converged == True,  # noqa: E712
        _then=check.outputs.parameters["next"],
        _else=nxt.outputs.parameters["result"],
    )
    wf = Workflow("conv")
    wf.add(Step("top", loop, parameters={"iter": 0}))
    return wf


def test_if_expression_renders_as_the_original() -> None:
    s = Steps(name="s", inputs=Inputs(parameters={"flag": InputParameter(), "n": InputParameter()}))
    f, n = s.inputs.parameters["flag"], s.inputs.parameters["n"]
    flag = "inputs.parameters['flag']"
    assert if_expression(f, n, 0).expr == f"({flag} == 'true' ? inputs.parameters['n'] : 0)"
    assert if_expression(f == False, n, 0).expr == (  # noqa: E712
        f"({flag} == 'false' ? inputs.parameters['n'] : 0)"
    )
    # a string is expression text: the original writes it as it is
    assert if_expression("inputs.parameters.n > 0", "'x'", "'y'").expr == (
        "(inputs.parameters.n > 0 ? 'x' : 'y')"
    )
    # nested, as the original nests them
    inner = if_expression(n < 1, 1, 2)
    assert if_expression(n < 0, inner, 3).expr == (
        "(asFloat(inputs.parameters['n']) < 0 ? (asFloat(inputs.parameters['n']) < 1 ? 1 : 2) : 3)"
    )
    # the original writes Python's True / None here, which Argo cannot read: we write expr-lang's
    assert if_expression(True, 1, None).expr == "(true ? 1 : nil)"


def test_the_loop_manifest_compares_with_the_string_form(render) -> None:
    manifest = render(_loop())
    loop = next(t for t in manifest["spec"]["templates"] if t["name"] == "loop")
    nxt = loop["steps"][1][0]
    assert nxt["when"] == "{{=steps['check'].outputs.parameters['converged'] == 'false'}}"
    (result,) = loop["outputs"]["parameters"]
    assert result["valueFrom"]["expression"] == (
        "(steps['check'].outputs.parameters['converged'] == 'true' ? "
        "steps['check'].outputs.parameters['next'] : steps['next'].outputs.parameters['result'])"
    )
    assert result["description"] == '{"type": "int"}'  # the type of the _then branch


@pytest.fixture
def debug_mode(tmp_path, monkeypatch):
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)


def test_the_convergence_loop_takes_the_originals_branches(debug_mode) -> None:
    wf = _loop()
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert len(wf.query_step(name="check", phase="Succeeded")) == 3
    (top,) = wf.query_step(name="^top$")
    assert top.outputs.parameters["result"].value == 3


def test_when_and_if_on_a_true_flag(debug_mode) -> None:
    echo = ShellOPTemplate(
        name="echo",
        image="alpine",
        script="mkdir -p /tmp/outputs && printf '%s' '{{inputs.parameters.x}}' > /tmp/outputs/y",
        inputs=Inputs(parameters={"x": InputParameter()}),
        outputs=Outputs(parameters={"y": OutputParameter(value_from_path="/tmp/outputs/y")}),
    )
    s = Steps(
        name="main",
        inputs=Inputs(
            parameters={"flag": InputParameter(value=True), "no": InputParameter(value=False)}
        ),
        outputs=Outputs(
            parameters={
                "bare": OutputParameter(),
                "bare-no": OutputParameter(),
                "eq": OutputParameter(),
            }
        ),
    )
    f, no = s.inputs.parameters["flag"], s.inputs.parameters["no"]
    a = Step("a", echo, parameters={"x": "a"}, when=f == True)  # noqa: E712
    b = Step("b", echo, parameters={"x": "b"}, when=f == False)  # noqa: E712
    c = Step("c", echo, parameters={"x": "c"}, when=no == False)  # noqa: E712
    s.add([a, c])
    s.add(b)
    ya, yc = a.outputs.parameters["y"], c.outputs.parameters["y"]
    s.outputs.parameters["bare"].value_from_expression = if_expression(f, ya, yc)
    s.outputs.parameters["bare-no"].value_from_expression = if_expression(no, ya, yc)
    s.outputs.parameters["eq"].value_from_expression = if_expression(f == False, ya, yc)  # noqa: E712
    wf = Workflow("flags", steps=s)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    phases = {st.displayName: st.phase for st in wf.query_step(name="^[abc]$")}
    assert phases == {"a": "Succeeded", "b": "Skipped", "c": "Succeeded"}
    (root,) = [st for st in wf.query_step() if st.get("type") == "Steps"]
    outs = {k: root.outputs.parameters[k].value for k in root.outputs.parameters}
    assert outs == {"bare": "a", "bare-no": "c", "eq": "c"}

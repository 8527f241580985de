"""Operators on parameter references render what the original renders and evaluate alike.

Every expected expression below was printed by pydflow 1.8.134 for the same code, except where a
comment says we deliberately differ (the original's text would fail or mislead on Argo). The
values run on our local engine are those the original's debug mode gave for the same workflow
(``n=1``: ``n+1 -> '2'``, ``n-3 -> '-2'``, ``n*2 -> '2'``, ``n/2 -> '0.5'``, ``d['k'] -> '2'``,
``d['s'] -> 'x'``), except a JSON member list, which Argo's ``toJson`` writes compactly.
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
    argo_len,
)
from dflow.config import config, s3_config


def _main() -> Steps:
    return Steps(
        name="main",
        inputs=Inputs(
            parameters={
                "n": InputParameter(value=1),
                "m": InputParameter(value=2),
                "flag": InputParameter(value=True),
                "d": InputParameter(value={"k": 2, "s": "x", "l": [1, 2]}),
            }
        ),
    )


def test_operators_render_the_originals_expressions() -> None:
    s = _main()
    n, m, f, d = (s.inputs.parameters[k] for k in ("n", "m", "flag", "d"))
    n_ = "inputs.parameters['n']"
    cases = [
        (n + 1, f"asFloat({n_}) + 1"),
        (n - 1, f"asFloat({n_}) - 1"),
        (n * 2, f"asFloat({n_}) * 2"),
        (n / 2, f"asFloat({n_}) / 2"),
        (n + m, f"asFloat({n_}) + asFloat(inputs.parameters['m'])"),
        ((n + 1) * 2, f"asFloat(asFloat({n_}) + 1) * 2"),
        (n < 3, f"asFloat({n_}) < 3"),
        (n >= 1, f"asFloat({n_}) >= 1"),
        (n < "3", f"asFloat({n_}) < 3"),
        (n == 1, f"{n_} == '1'"),
        (n != 1, f"{n_} != '1'"),
        (n == "a", f"{n_} == 'a'"),
        (n == m, f"{n_} == inputs.parameters['m']"),
        (f == True, "inputs.parameters['flag'] == 'true'"),  # noqa: E712
        (f == False, "inputs.parameters['flag'] == 'false'"),  # noqa: E712
        (n == None, f"{n_} == 'null'"),  # noqa: E711
        (n == {"a": 1}, f"{n_} == '{{\"a\": 1}}'"),
        (d["k"], "jsonpath(inputs.parameters['d'], '$')['k']"),
        (d[0], "jsonpath(inputs.parameters['d'], '$')[0]"),
        (d["k"]["j"], "jsonpath(jsonpath(inputs.parameters['d'], '$')['k'], '$')['j']"),
        (d["k"] + 1, "asFloat(jsonpath(inputs.parameters['d'], '$')['k']) + 1"),
        (argo_len(d) + 1, "asFloat(len(sprig.fromJson(inputs.parameters['d']))) + 1"),
        (argo_len(d) > 2, "asFloat(len(sprig.fromJson(inputs.parameters['d']))) > 2"),
        # the original writes == '2' here, which never holds for a number: we compare numbers
        (argo_len(d) == 2, "len(sprig.fromJson(inputs.parameters['d'])) == 2"),
        (d["k"] == 2, "jsonpath(inputs.parameters['d'], '$')['k'] == 2"),
    ]
    for var, expected in cases:
        assert var.expr == expected
    # text added to a reference stays text around its tag, as in the original
    assert n + "a" == "{{inputs.parameters.n}}a"
    # a member passed as a parameter: itself when a string, else its JSON (the original's form)
    x = "jsonpath(inputs.parameters['d'], '$')['k']"
    assert str(d["k"]) == "{{=string(%s) == %s ? %s : toJson(%s)}}" % (x, x, x, x)
    # a reference cannot be iterated (it is known only at run time)
    with pytest.raises(TypeError, match="not iterable"):
        list(n)


def test_expressions_evaluate_like_the_original(tmp_path, monkeypatch, render) -> None:
    monkeypatch.setitem(config, "mode", "debug")
    monkeypatch.setitem(config, "debug_workdir", str(tmp_path / "root"))
    monkeypatch.setitem(config, "detach", False)
    monkeypatch.setitem(s3_config, "storage_client", None)
    echo = ShellOPTemplate(
        name="echo",
        image="alpine",
        script="mkdir -p /tmp/outputs && printf '%s' '{{inputs.parameters.x}}' > /tmp/outputs/y",
        inputs=Inputs(parameters={"x": InputParameter()}),
        outputs=Outputs(parameters={"y": OutputParameter(value_from_path="/tmp/outputs/y")}),
    )
    s = _main()
    n, d = s.inputs.parameters["n"], s.inputs.parameters["d"]
    exprs = {
        "add": n + 1,
        "sub": n - 3,
        "mul": n * 2,
        "div": n / 2,
        "radd": 1 + n,
        "k": d["k"],
        "s": d["s"],
        "l": d["l"],
    }
    for name, e in exprs.items():
        s.add(Step(name, echo, parameters={"x": e}))
    wf = Workflow("expr", steps=s)
    render(wf)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    got = {name: wf.query_step(name=f"^{name}$")[0].outputs.parameters["y"].value for name in exprs}
    assert got == {
        "add": "2",
        "sub": "-2",
        "mul": "2",
        "div": "0.5",
        "radd": "2",
        "k": "2",
        "s": "x",
        "l": "[1,2]",  # Argo's toJson is compact (the original's debug mode wrote '[1, 2]')
    }

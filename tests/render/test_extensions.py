"""Executors, contexts, resources and PVCs: ways to change how a step runs."""

from __future__ import annotations

from render_helpers import by_name, echo_template

from dflow import (
    PVC,
    Executor,
    OutputArtifact,
    Outputs,
    Resource,
    ShellOPTemplate,
    Step,
    Workflow,
)


class Prefix(Executor):
    """Runs the script after a line of its own, under a new template name."""

    def render(self, template):
        return template.replace(
            name=template.name + "-prefixed", script="set -e\n" + template.script
        )


def test_executor_renders_a_copy_under_its_own_name(render):
    t = echo_template()
    wf = Workflow("exec")
    wf.add(
        [
            Step("a", t, parameters={"msg": "x"}, executor=Prefix()),
            Step("b", t, parameters={"msg": "y"}),
        ]
    )
    m = render(wf)
    steps = by_name(m)["exec"]["steps"][0]
    assert [s["template"] for s in steps] == ["echo-prefixed", "echo"]
    assert by_name(m)["echo-prefixed"]["script"]["source"].startswith("set -e\n")
    assert t.script.startswith("echo")


class Labeller:
    """A workflow context: adds a label to every leaf template."""

    def render(self, template):
        return template.replace(labels={"ctx": "yes"})


def test_context_rewrites_every_leaf_template(render):
    wf = Workflow("ctx", context=Labeller())
    wf.add(Step("a", echo_template(), parameters={"msg": "x"}))
    assert by_name(render(wf))["echo"]["metadata"]["labels"] == {"ctx": "yes"}


def test_resource_step(render):
    job = Resource(
        action="create",
        success_condition="status.succeeded > 0",
        failure_condition="status.failed > 3",
        manifest={"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "j-"}},
    )
    wf = Workflow("res")
    wf.add(Step("a", echo_template(), parameters={"msg": "x"}, use_resource=job))
    body = by_name(render(wf))["echo-resource"]
    assert body["resource"]["action"] == "create"
    assert body["resource"]["successCondition"] == "status.succeeded > 0"
    assert "kind: Job" in body["resource"]["manifest"]
    assert "script" not in body


def test_pvc_mounts_and_claims(render):
    t = ShellOPTemplate(
        name="writer",
        image="alpine:3",
        script="ls /tmp/pvc/scratch",
        pvcs=[PVC("scratch", "run1", "5Gi")],
    )
    wf = Workflow("pvc")
    wf.add(Step("a", t))
    m = render(wf)
    assert m["spec"]["volumeClaimTemplates"] == [
        {
            "metadata": {"name": "scratch"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "5Gi"}},
            },
        }
    ]
    body = by_name(m)["writer"]
    assert body["script"]["volumeMounts"] == [
        {"name": "scratch", "mountPath": "/tmp/pvc/scratch", "subPath": "run1"}
    ]
    assert Workflow.from_dict(m).to_dict() == m


def test_pvc_as_input_artifact_and_as_save_target(render):
    t = echo_template()
    t.outputs.artifacts["f"].save = [PVC("results", "run7")]
    wf = Workflow("pvc-io")
    wf.add(Step("a", t, parameters={"msg": "x"}, artifacts={"data": PVC("inputs", "set1")}))
    wf.add(Step("b", t, parameters={"msg": "y"}))
    m = render(wf)
    groups = by_name(m)["pvc-io"]["steps"]
    mounted = by_name(m)[groups[0][0]["template"]]
    assert groups[0][0]["template"].startswith("echo-pvc-")
    assert "artifacts" not in groups[0][0].get("arguments", {})
    assert "artifacts" not in mounted["inputs"]
    assert {"name": "inputs", "mountPath": "/tmp/data", "subPath": "set1"} in mounted["script"][
        "volumeMounts"
    ]
    plain = by_name(m)["echo"]
    assert plain["inputs"]["artifacts"][0]["name"] == "data"
    assert {"name": "results", "mountPath": "/tmp/pvc-save/results"} in plain["script"][
        "volumeMounts"
    ]
    assert plain["script"]["source"].endswith(
        "mkdir -p '/tmp/pvc-save/results/run7' && "
        "cp -r '/tmp/out.txt' '/tmp/pvc-save/results/run7/'\n"
    )
    assert {c["metadata"]["name"] for c in m["spec"]["volumeClaimTemplates"]} == {
        "inputs",
        "results",
    }
    assert Workflow.from_dict(m).to_dict() == m


def test_pvc_save_runs_before_the_exit_of_a_success_tagged_script(render):
    t = echo_template()
    t.outputs.artifacts["f"].save = [PVC("results", "run")]
    wf = Workflow("saved")
    wf.add(
        Step("fan", t, parameters={"msg": "{{item}}"}, with_param=[1, 2], continue_on_num_success=1)
    )
    source = by_name(render(wf))["echo-fan"]["script"]["source"]
    assert source.endswith("exit $dflow_rc\n")
    assert source.index("cp -r '/tmp/out.txt'") < source.index("exit $dflow_rc")


def test_python_scripts_are_known_by_their_interpreter_too(render):
    from dflow import ScriptOPTemplate

    t = ScriptOPTemplate(
        name="py",
        command=["python3.11"],
        script="open('/tmp/o.txt', 'w').write('x')",
        outputs=Outputs(artifacts={"o": OutputArtifact(path="/tmp/o.txt", save=[PVC("keep")])}),
    )
    wf = Workflow("py-save")
    wf.add(Step("a", t))
    source = by_name(render(wf))["py"]["script"]["source"]
    assert "shutil" in source and "mkdir -p" not in source

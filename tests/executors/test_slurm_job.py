"""SlurmJob: a step as a wlm-operator SlurmJob resource; its batch script runs the step."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from dflow import InvalidWorkflowError, ShellOPTemplate, SlurmJob, Step, Workflow


def _resource(render, job, template):
    wf = Workflow(name="slurm-job")
    wf.add(Step("s", template, use_resource=job))
    (leaf,) = [t for t in render(wf)["spec"]["templates"] if "resource" in t]
    return leaf["resource"], yaml.safe_load(leaf["resource"]["manifest"])


def test_slurm_job_manifest_and_batch_script(render, tmp_path):
    script = 'mkdir -p /tmp/outputs && echo "it\'s $((1+1))" > /tmp/outputs/o'
    template = ShellOPTemplate(name="t", image="alpine", script=script)
    job = SlurmJob(
        header="#!/bin/bash\n#SBATCH -N 1",
        node_selector={"kubernetes.io/hostname": "slurm-v100"},
        results={"from": "slurm.out", "mount": {"name": "data"}},
        workdir="job",
    )
    resource, manifest = _resource(render, job, template)
    # checked against pydflow 1.8.134: the kind, the conditions, the batch in spec
    assert (manifest["apiVersion"], manifest["kind"]) == ("wlm.sylabs.io/v1alpha1", "SlurmJob")
    assert manifest["metadata"]["name"] == "{{pod.name}}"
    assert resource["successCondition"] == "status.status == Succeeded"
    assert resource["failureCondition"] == "status.status == Failed"
    assert manifest["spec"]["nodeSelector"] == {"kubernetes.io/hostname": "slurm-v100"}
    assert manifest["spec"]["results"] == {"from": "slurm.out", "mount": {"name": "data"}}
    batch = manifest["spec"]["batch"]
    assert batch.startswith("#!/bin/bash\n#SBATCH -N 1\n")
    # WHEN the batch script runs (as Slurm would, in the submit directory)
    (tmp_path / "batch").write_text(batch)
    done = subprocess.run(["bash", "batch"], cwd=tmp_path, capture_output=True, text=True)
    # THEN the step's script ran with its /tmp under the job's workdir
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "job" / "tmp" / "outputs" / "o").read_text() == "it's 2\n"


def test_slurm_job_checks_its_arguments():
    with pytest.raises(InvalidWorkflowError, match="one of docker_executable"):
        SlurmJob(docker_executable="docker", podman_executable="podman")
    with pytest.raises(InvalidWorkflowError, match="#SBATCH"):
        SlurmJob(header="echo not a header")


def test_template_resource_runs_every_step_as_that_resource(render):
    template = ShellOPTemplate(name="t", image="alpine", script="echo hi", resource=SlurmJob())
    wf = Workflow(name="slurm-tmpl")
    wf.add(Step("s", template))
    kinds = [t for t in render(wf)["spec"]["templates"] if "resource" in t]
    assert len(kinds) == 1
    assert yaml.safe_load(kinds[0]["resource"]["manifest"])["kind"] == "SlurmJob"

"""``S3Artifact(debug_s3=)``, ``S3Artifact.download``, ``S3Artifact.oss`` and
``InputParameter(source=)``."""

from __future__ import annotations

from pathlib import Path

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import (
    InputParameter,
    Inputs,
    OutputParameter,
    S3Artifact,
    ShellOPTemplate,
    Step,
    Workflow,
    config,
    s3_config,
    upload_artifact,
)
from dflow.errors import DflowError
from dflow.storage import S3Client


@pytest.mark.usefixtures("debug")
def test_download_puts_the_artifact_in_path(tmp_path, monkeypatch):
    # checked against 1.8.134: S3Artifact.download(**kwargs) is download_artifact(self, **kwargs)
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text("hello")
    art = upload_artifact("a.txt")
    S3Artifact(key=art.key).download(path=str(tmp_path / "out"))
    assert (tmp_path / "out" / "a.txt").read_text() == "hello"


def test_debug_s3_downloads_from_s3_in_debug_mode(s3_config_for_tests, tmp_path, monkeypatch):
    # checked against 1.8.134: in debug mode an S3Artifact names a local copy unless debug_s3
    # (then its key is in S3): S3Artifact("k").local_path == "k", with debug_s3 None
    saved = dict(config)
    config.update(mode="debug", debug_workdir=str(tmp_path / "engine"), debug_s3=False)
    try:
        source = tmp_path / "b.txt"
        source.write_text("from s3")
        from dflow.storage.artifacts import save_artifact

        save_artifact(S3Client(), str(source), "given/b.tgz")
        art = S3Artifact(key="given/b.tgz", debug_s3=True)
        assert art.debug_s3 is True and S3Artifact(key="k").debug_s3 is False
        art.download(path=str(tmp_path / "got"))
        assert (tmp_path / "got" / "b.txt").read_text() == "from s3"
        assert art.sub_path("x").debug_s3 is True
        with pytest.raises(DflowError):  # not in the local engine's store
            S3Artifact(key="given/b.tgz").download(path=str(tmp_path / "none"))
    finally:
        config.clear()
        config.update(saved)


def test_oss_is_argos_oss_artifact():
    # checked against 1.8.134: oss() is a V1alpha1OSSArtifact with key repo_prefix + key
    oss = S3Artifact(key="abc/def").oss()
    assert type(oss).__name__.endswith("OSSArtifact") and oss.key == "abc/def"
    saved = s3_config["repo_prefix"]
    s3_config["repo_prefix"] = "repo/"
    try:
        assert S3Artifact(key="abc/def").oss().key == "repo/abc/def"
    finally:
        s3_config["repo_prefix"] = saved


@pytest.mark.usefixtures("debug")
def test_input_parameter_source_is_a_big_parameters_default(tmp_path, monkeypatch, render):
    # GIVEN a big input parameter whose source is a stored file WHEN a step runs the template
    # without a value THEN the file is the parameter (the original renders it as the artifact
    # dflow_bigpar_<name> taken from the source)
    monkeypatch.chdir(tmp_path)
    Path("v").write_text("[1, 2, 3]")
    from dflow.storage import get_client
    from dflow.storage.artifacts import save_artifact

    save_artifact(get_client(), "v", "given/v.tgz")  # one file, as a step saves it
    art = S3Artifact(key="given/v.tgz")
    t = ShellOPTemplate(
        name="show",
        image="alpine",
        script="cat /tmp/inputs/parameters/v > /tmp/out",
        inputs=Inputs(parameters={"v": InputParameter(save_as_artifact=True, source=art)}),
    )
    t.outputs.parameters["out"] = OutputParameter(value_from_path="/tmp/out")
    assert t.inputs.artifacts["dflow_bigpar_v"].source is art
    wf = Workflow(name="src")
    wf.add(Step("show", t))
    manifest = render(wf)
    (tpl,) = [x for x in manifest["spec"]["templates"] if x["name"] == "show"]
    assert tpl["inputs"]["artifacts"][0]["s3"] == {"key": art.key}
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="show")[0].outputs.parameters["out"].value == "[1, 2, 3]"

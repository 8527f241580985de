"""LocalArtifact (a path here, uploaded at submission) and CustomArtifact (a source that
rewrites the step's template) as step inputs, run on the local engine."""

from __future__ import annotations

import pytest
from helpers import shell

from dflow import CustomArtifact, InputArtifact, Inputs, LocalArtifact, Step, Workflow


def _cat(name="cat"):
    return shell(
        name,
        "mkdir -p /tmp/outputs && cat /tmp/in/* /tmp/in 2>/dev/null > /tmp/outputs/o; true",
        outputs=["o"],
    ).replace(inputs=Inputs(artifacts={"in": InputArtifact(path="/tmp/in")}))


def test_local_artifact_is_uploaded_on_submit(local_root, tmp_path, render):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.txt").write_text("from here\n")
    source = LocalArtifact(str(data))
    wf = Workflow(name="local-art")
    wf.add(Step("c", _cat(), artifacts={"in": source}))
    with pytest.raises(ValueError, match="uploaded when the workflow is submitted"):
        render(wf)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="c")[0].outputs.parameters["o"].value == "from here"
    assert source.uploaded is not None
    (step,) = [t for t in render(wf)["spec"]["templates"] if "steps" in t][0]["steps"][0]
    assert step["arguments"]["artifacts"] == [{"name": "in", "s3": {"key": source.uploaded.key}}]


class Inline(CustomArtifact):
    """A source that writes its content into the script (a stand-in for a data service)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def get_urn(self) -> str:
        return f"inline:{self.text}"

    def download(self, name: str, path: str) -> None:
        with open(path, "w") as handle:
            handle.write(self.text)

    def render(self, template, name):
        path = template.inputs.artifacts[name].path
        template.script = f"printf '%s\\n' {self.text!r} > {path}\n" + template.script
        return template


def test_custom_artifact_renders_the_fetch_into_the_template(local_root, render):
    wf = Workflow(name="custom-art")
    wf.add(Step("c", _cat(), artifacts={"in": Inline("custom")}))
    manifest = render(wf)
    (leaf,) = [t for t in manifest["spec"]["templates"] if t["name"].startswith("cat-")]
    assert "artifacts" not in leaf.get("inputs", {})
    assert leaf["script"]["source"].startswith("printf")
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="c")[0].outputs.parameters["o"].value == "custom"

"""``dflow.util_ops`` and ``dflow.python.utils``: the names dflow 1.x scripts import from them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from local_mode import debug  # noqa: F401 - the fixture

from dflow import Step, Workflow
from dflow.python import utils
from dflow.util_ops import CheckNumSuccess, CheckSuccessRatio


@pytest.mark.usefixtures("debug")
@pytest.mark.parametrize(
    ("template", "parameters", "phase"),
    [
        # checked against pydflow 1.8.134 in debug mode: the same five phases
        (CheckNumSuccess, {"success": "[1, 0, 1]", "threshold": 2}, "Succeeded"),
        (CheckNumSuccess, {"success": "[1, 0, 1]", "threshold": 3}, "Failed"),
        (CheckNumSuccess, {"success": "oops", "threshold": 0}, "Succeeded"),
        (
            CheckSuccessRatio,
            {"success": "[1, 0, 1, 1]", "total": 4, "threshold": 0.75},
            "Succeeded",
        ),
        (CheckSuccessRatio, {"success": "[true, false]", "total": 2, "threshold": 0.6}, "Failed"),
    ],
)
def test_success_checks_pass_or_fail_their_step(template, parameters, phase):
    # GIVEN a check template as a step WHEN the workflow runs THEN it fails below the threshold
    wf = Workflow("check")
    wf.add(Step("c", template(image="python:3.11"), parameters=parameters))
    wf.submit()
    assert wf.query_status() == phase


def test_success_checks_keep_the_reference_names_and_inputs():
    # checked against pydflow 1.8.134: names and input parameters of the two templates
    assert CheckNumSuccess().name == "check-num-success"
    assert list(CheckNumSuccess().inputs.parameters) == ["success", "threshold"]
    assert CheckSuccessRatio().name == "check-success-ratio"
    assert list(CheckSuccessRatio().inputs.parameters) == ["success", "total", "threshold"]
    ratio = CheckSuccessRatio(name="ratio", image="py:3", image_pull_policy="Never")
    assert (ratio.name, ratio.image, ratio.image_pull_policy) == ("ratio", "py:3", "Never")


def test_absolutize_and_path_or_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    here = str(tmp_path)
    # checked against pydflow 1.8.134 (run in a directory /tmp/pu)
    assert utils.absolutize("a/../b") == os.path.join(here, "b")
    assert utils.absolutize(Path("a")) == tmp_path / "a"
    assert utils.absolutize(["a", {"k": "b"}]) == [f"{here}/a", {"k": f"{here}/b"}]
    assert utils.absolutize({"x": None}) == {"x": None}
    assert utils.absolutize_hdf5(Path("a")) == tmp_path / "a"
    assert utils.absolutize_hdf5("a") == "a"
    assert utils.absolutize_hdf5({"k": "a"}) == {"k": f"{here}/a"}
    assert utils.path_or_none(None) is None
    assert utils.path_or_none(["a", None, {"k": "b"}]) == [Path("a"), None, {"k": Path("b")}]


def test_slices_and_their_directories():
    # checked against pydflow 1.8.134
    assert utils.slice_to_dir(3) == "3"
    assert utils.slice_to_dir("1.2") == "1/2"
    assert utils.get_slices([10, 20, 30], 1) == 20
    assert utils.get_slices({"a": [1, {"b": 5}]}, "a.1.b") == 5
    assert utils.get_slices([10, 20, 30], [0, 2]) == [10, 30]
    assert utils.get_slices([1], None) == [1]


def test_empty_dirs_get_a_marker_and_alarm_raises_timeout(tmp_path):
    (tmp_path / "d/e/f").mkdir(parents=True)
    (tmp_path / "d/g").mkdir()
    (tmp_path / "d/g/x").write_text("x")
    utils.handle_empty_dir(str(tmp_path / "d"))
    # checked against pydflow 1.8.134: only the leaf that was empty gets ".empty_dir"
    files = sorted(
        os.path.relpath(os.path.join(d, f), tmp_path) for d, _, fs in os.walk(tmp_path) for f in fs
    )
    assert files == ["d/e/f/.empty_dir", "d/g/x"]
    with pytest.raises(TimeoutError, match="Timeout"):
        utils.sigalrm_handler(14, None)

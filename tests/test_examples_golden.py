"""Every example renders a schema-valid manifest equal to its golden copy, and round-trips.

Regenerate the golden files after an intended change with ``DFLOW_UPDATE_GOLDEN=1 pytest
tests/test_examples_golden.py``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest
import yaml
from argo_schema import validate_manifest

from dflow import Workflow
from dflow.render.yaml_out import dump_yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_matches_golden(path: Path) -> None:
    # loaded as a module that is not on the import path, as ``python examples/NAME.py`` is
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        manifest = module.build().to_dict()
    finally:
        del sys.modules[spec.name]
    validate_manifest(manifest)
    golden = GOLDEN / f"{path.stem}.yaml"
    if os.environ.get("DFLOW_UPDATE_GOLDEN"):
        golden.write_text(dump_yaml(manifest))
    assert golden.exists(), f"no golden manifest for {path.name}: run with DFLOW_UPDATE_GOLDEN=1"
    assert manifest == yaml.safe_load(golden.read_text())
    assert Workflow.from_dict(manifest).to_dict() == manifest

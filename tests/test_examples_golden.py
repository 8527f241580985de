"""Every example renders a schema-valid manifest equal to its golden copy, and round-trips.

Regenerate the golden files after an intended change with ``DFLOW_UPDATE_GOLDEN=1 pytest
tests/test_examples_golden.py``.
"""

from __future__ import annotations

import os
import runpy
from pathlib import Path

import pytest
import yaml
from argo_schema import validate_manifest

from dflow import Workflow

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_matches_golden(path: Path) -> None:
    namespace = runpy.run_path(str(path), run_name=f"example_{path.stem}")
    manifest = namespace["build"]().to_dict()
    validate_manifest(manifest)
    golden = GOLDEN / f"{path.stem}.yaml"
    if os.environ.get("DFLOW_UPDATE_GOLDEN"):
        golden.write_text(yaml.safe_dump(manifest, sort_keys=False))
    assert golden.exists(), f"no golden manifest for {path.name}: run with DFLOW_UPDATE_GOLDEN=1"
    assert manifest == yaml.safe_load(golden.read_text())
    assert Workflow.from_dict(manifest).to_dict() == manifest

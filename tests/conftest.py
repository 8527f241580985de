"""Shared fixtures: schema validation of every manifest the tests render."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from argo_schema import validate_manifest  # noqa: E402

pytest_plugins = ["s3_server"]


@pytest.fixture
def render():
    """Render a workflow and validate the manifest against Argo's schema before returning it."""

    def _render(workflow: Any, **kwargs: Any) -> Dict[str, Any]:
        manifest = workflow.to_dict(**kwargs)
        validate_manifest(manifest)
        return manifest

    return _render

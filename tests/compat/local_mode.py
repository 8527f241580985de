"""The ``debug`` fixture of the compatibility tests: the local engine with its root in tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from dflow.config import config, s3_config


@pytest.fixture
def debug(tmp_path: Path) -> Iterator[Path]:
    """Debug mode as a user sets it, engine root and artifacts under ``tmp_path``."""
    from dflow.storage import LocalClient

    root = tmp_path / "engine"
    saved = dict(config), dict(s3_config)
    config.update(mode="debug", debug_workdir=str(root), detach=False)
    s3_config["storage_client"] = LocalClient(str(root / "artifacts"))
    try:
        yield root
    finally:
        config.clear()
        config.update(saved[0])
        s3_config.clear()
        s3_config.update(saved[1])

"""Fixtures of the local engine tests: debug mode with its root in the test's tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from dflow.config import config, s3_config


@pytest.fixture
def local_root(tmp_path: Path) -> Iterator[Path]:
    """Debug mode, four workers, engine root and artifact store under ``tmp_path``."""
    from dflow.storage import LocalClient

    root = tmp_path / "engine"
    saved = dict(config), dict(s3_config)
    config.update(mode="debug", debug_workdir=str(root), debug_workers=4, detach=False)
    s3_config["storage_client"] = LocalClient(str(root / "artifacts"))
    try:
        yield root
    finally:
        config.clear()
        config.update(saved[0])
        s3_config.clear()
        s3_config.update(saved[1])

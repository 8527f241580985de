"""Small file helpers of the storage tests."""

from __future__ import annotations

import os
from typing import Any, Dict


def write(path: Any, text: str = "") -> Any:
    """Create a file with its parent directories."""
    os.makedirs(os.path.dirname(str(path)) or ".", exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text or f"content of {os.path.basename(str(path))}\n")
    return path


def tree(root: Any) -> Dict[str, str]:
    """Every file (with its text) and every empty directory (as ``/``) under ``root``."""
    found: Dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in filenames:
            with open(os.path.join(dirpath, name)) as handle:
                found[os.path.normpath(os.path.join(rel, name))] = handle.read()
        if not dirnames and not filenames and rel != ".":
            found[rel + "/"] = "/"
    return found

"""Run a PythonOPTemplate's script for real, with a directory standing in for the container's /tmp.

It does what Argo does around a script template: substitutes ``{{inputs.parameters.x}}`` in the
``env`` values, places input files, runs ``command`` with the script, leaves the outputs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Optional

from dflow.io import UNSET
from dflow.render.values import encode_parameter

TAG = re.compile(r"\{\{inputs\.parameters\.([\w-]+)\}\}")
REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def run_template(
    template: Any,
    root: Path,
    parameters: Optional[Dict[str, Any]] = None,
    cwd: Optional[Path] = None,
    extra_env: Optional[Dict[str, str]] = None,
    pythonpath: Optional[str] = None,
) -> subprocess.CompletedProcess:
    """Run the template's script once; parameter values are given as Python values."""
    values: Dict[str, str] = {}
    for name, p in template.inputs.parameters.items():
        if parameters and name in parameters:
            values[name] = encode_parameter(parameters[name])
        elif p.value is not UNSET:
            values[name] = encode_parameter(p.value)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFLOW_")}
    for name, raw in template.envs.items():
        env[name] = TAG.sub(lambda m: values[m.group(1)], raw)  # KeyError: a value is missing
    env["PYTHONPATH"] = pythonpath if pythonpath is not None else f"{REPO}{os.pathsep}{HERE}"
    env.update(extra_env or {})
    script = template.script.replace("/tmp/", f"{root}/")
    work = cwd or root / "cwd"
    work.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

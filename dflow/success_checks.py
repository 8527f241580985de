"""Templates that fail unless enough items of a fan-out succeeded, for use as ordinary steps.

``success`` is a JSON list of 0/1 (or true/false) flags, e.g. the gathered output of a sliced
step; a value that is not such a list counts as no success at all.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from .io import InputParameter, Inputs
from .op_template import ShellOPTemplate

__all__ = ["CheckNumSuccess", "CheckSuccessRatio"]

_COUNT = """import json
import sys

try:
    succeeded = sum(int(flag) for flag in json.loads('''{{inputs.parameters.success}}'''))
except (TypeError, ValueError):
    succeeded = 0
"""

_VERDICT = """print(f"Num success: {succeeded}")
print(f"Threshold: {threshold}")
if succeeded < threshold:
    sys.exit(f"only {succeeded} succeeded, {threshold} needed")
"""


def _check(
    name: Optional[str],
    image: Optional[str],
    pull: Optional[str],
    threshold: str,
    params: List[str],
) -> Dict[str, Any]:
    """The fields of a check template whose threshold is the Python expression ``threshold``."""
    return {
        "name": name,
        "image": image,
        "image_pull_policy": pull,
        "command": ["python3"],
        "script": f"{_COUNT}threshold = {threshold}\n{_VERDICT}",
        "inputs": Inputs(parameters={p: InputParameter() for p in params}),
    }


def _number(parameter: str) -> str:
    return f"float('''{{{{inputs.parameters.{parameter}}}}}''')"


class CheckNumSuccess(ShellOPTemplate):
    """Fails unless at least ``threshold`` of the ``success`` flags are set."""

    def __init__(
        self,
        name: Optional[str] = "check-num-success",
        image: Optional[str] = None,
        image_pull_policy: Optional[str] = None,
    ) -> None:
        threshold = _number("threshold")
        super().__init__(
            **_check(name, image, image_pull_policy, threshold, ["success", "threshold"])
        )


class CheckSuccessRatio(ShellOPTemplate):
    """Fails unless at least ``threshold * total`` of the ``success`` flags are set."""

    def __init__(
        self,
        name: Optional[str] = "check-success-ratio",
        image: Optional[str] = None,
        image_pull_policy: Optional[str] = None,
    ) -> None:
        threshold = f"{_number('threshold')} * {_number('total')}"
        params = ["success", "total", "threshold"]
        super().__init__(**_check(name, image, image_pull_policy, threshold, params))

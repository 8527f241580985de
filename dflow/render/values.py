"""How Python values become Argo strings: parameter values, conditions, loops, durations."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional

from ..errors import InvalidWorkflowError
from ..expressions import ArgoSequence, ArgoVar
from ..wire import encode_value


def _unref(value: Any) -> Any:
    """Replace references nested in lists and dicts by their ``{{...}}`` tags."""
    if isinstance(value, ArgoVar):
        return str(value)
    if isinstance(value, list):
        return [_unref(v) for v in value]
    if isinstance(value, dict):
        return {k: _unref(v) for k, v in value.items()}
    return value


def encode_parameter(value: Any) -> str:
    """A parameter value on the wire; references (also nested in lists and dicts) as their tags."""
    if isinstance(value, ArgoVar):
        return str(value)
    return encode_value(_unref(value))


def encode_condition(when: Any) -> str:
    """A ``when`` condition: a comparison of references, a boolean, or Argo condition text."""
    if isinstance(when, bool):
        return "true" if when else "false"
    return str(when)


def encode_with_param(value: Any) -> str:
    """``withParam``: a JSON list, or a reference that evaluates to one."""
    if isinstance(value, (list, tuple)):
        return json.dumps(_unref(list(value)))
    return str(value)


def encode_sequence(seq: ArgoSequence) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for field in ("count", "start", "end", "format"):
        value = getattr(seq, field)
        if value is not None:
            out[field] = str(value)
    return out


_DURATION = re.compile(r"^\d+(\.\d+)?(ns|us|ms|s|m|h)$")


def encode_duration(value: Any, what: str) -> Optional[str]:
    """A timeout: seconds as a number, or a Go duration such as ``"90s"`` / ``"2h"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidWorkflowError(f"{what}: timeout must be seconds or a duration, got {value!r}")
    if isinstance(value, (int, float)):
        if value <= 0:
            raise InvalidWorkflowError(f"{what}: timeout must be positive, got {value!r}")
        return f"{int(value) if float(value).is_integer() else value}s"
    text = str(value)
    if text.isdigit():
        return f"{text}s"
    if not _DURATION.match(text) and "{{" not in text:
        raise InvalidWorkflowError(
            f"{what}: timeout {text!r} is neither seconds nor a duration like '90s'"
        )
    return text

"""A fast YAML writer for manifests: plain dicts, lists, strings, numbers, booleans and None.

PyYAML's emitter (even the libyaml one) spends most of a 1,000-step render choosing scalar styles.
Manifests hold only JSON-like data, so this writer picks styles by simple rules: plain when the
string cannot be read back as anything else, a literal block for multi-line text, JSON-style double
quotes otherwise (a JSON string is a valid YAML double-quoted scalar). ``yaml.safe_load`` of the
output gives the input back; the tests check that on tricky values.
"""

from __future__ import annotations

import json
import re
from typing import Any, List

__all__ = ["dump_yaml"]

_PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*$")
_RESERVED = {
    "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~",
}  # fmt: skip
_BLOCK_SAFE = re.compile(r"^[^\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029\ufeff]*$")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if _PLAIN.match(value) and value.lower() not in _RESERVED:
        return value
    return json.dumps(value, ensure_ascii=False)


def _block(text: str, indent: str) -> str:
    """A literal block scalar (``|``) for multi-line text, or "" when the text cannot be one."""
    if not _BLOCK_SAFE.match(text) or text.startswith((" ", "\n")) or "\r" in text:
        return ""
    lines = text.split("\n")
    if any(line != line.rstrip(" \t") for line in lines):
        return ""
    if text.endswith("\n\n") or text == "\n":
        return ""
    chomp = "" if text.endswith("\n") else "-"
    body = lines[:-1] if text.endswith("\n") else lines
    return f"|{chomp}\n" + "\n".join(f"{indent}{line}" if line else "" for line in body)


def _write(value: Any, indent: str, out: List[str]) -> None:
    """Append the lines of a mapping or sequence ``value`` nested at ``indent``."""
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{indent}{_scalar(str(key))}:"
            _write_item(head, item, indent, out)
    else:
        for item in value:
            if isinstance(item, dict) and item:
                first = True
                for key, sub in item.items():
                    prefix = f"{indent}- " if first else f"{indent}  "
                    _write_item(f"{prefix}{_scalar(str(key))}:", sub, indent + "  ", out)
                    first = False
            elif isinstance(item, list) and item:
                nested: List[str] = []
                _write(item, indent + "  ", nested)
                nested[0] = f"{indent}- " + nested[0][len(indent) + 2 :]
                out.extend(nested)
            else:
                _write_item(f"{indent}-", item, indent, out, in_list=True)


def _write_item(head: str, item: Any, indent: str, out: List[str], in_list: bool = False) -> None:
    if isinstance(item, dict):
        if not item:
            out.append(f"{head} {{}}")
            return
        out.append(head)
        _write(item, indent + "  ", out)
    elif isinstance(item, list):
        if not item:
            out.append(f"{head} []")
            return
        out.append(head)
        _write(item, indent if not in_list else indent + "  ", out)
    elif isinstance(item, str) and "\n" in item:
        block = _block(item, indent + "  ")
        out.append(f"{head} {block}" if block else f"{head} {_scalar(item)}")
    else:
        out.append(f"{head} {_scalar(item)}")


def dump_yaml(value: Any) -> str:
    """YAML text of a JSON-like mapping (keys in insertion order)."""
    if not isinstance(value, (dict, list)) or not value:
        return json.dumps(value) + "\n"
    out: List[str] = []
    _write(value, "", out)
    return "\n".join(out) + "\n"

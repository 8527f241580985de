"""Turning OPs into Bohrium apps needs Bohrium's launching SDK (``dp.launching``), a package no
public index carries; importing this module says so, as the original's import fails without it."""

from __future__ import annotations

from importlib.util import find_spec

__all__: list = []


def _missing() -> ModuleNotFoundError:
    try:
        present = find_spec("dp.launching") is not None
    except ModuleNotFoundError:
        present = False
    if present:
        return ModuleNotFoundError(
            "dflow.plugins.launching (OP_to_parser) is not available in this dflow: it builds "
            "on the vendor package 'dp.launching', which cannot be tested here",
            name="dflow.plugins.launching",
        )
    return ModuleNotFoundError(
        "No module named 'dp': dflow.plugins.launching needs Bohrium's launching SDK "
        "('dp.launching', which turns OPs into Bohrium app command lines); no public package "
        "index carries it",
        name="dp",
    )


raise _missing()

"""Recording lineage in Bohrium's metadata service needs its SDK (``dp.metadata``), a package no
public index carries; importing this module says so, as the original's import fails without it."""

from __future__ import annotations

from importlib.util import find_spec

__all__: list = []


def _missing() -> ModuleNotFoundError:
    try:
        present = find_spec("dp.metadata") is not None
    except ModuleNotFoundError:
        present = False
    if present:
        return ModuleNotFoundError(
            "dflow.plugins.metadata (MetadataClient) is not available in this dflow: it builds "
            "on the vendor package 'dp.metadata', which cannot be tested here",
            name="dflow.plugins.metadata",
        )
    return ModuleNotFoundError(
        "No module named 'dp': dflow.plugins.metadata needs Bohrium's metadata SDK "
        "('dp.metadata', a lineage client for the DataHub-based metadata service behind "
        "MetadataClient); no public package index carries it",
        name="dp",
    )


raise _missing()

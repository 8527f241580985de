"""Plugins of services without a public SDK: the retired Lebesgue classes and the modules that
need Bohrium's vendor packages."""

from __future__ import annotations

import importlib
import inspect
import sys

import pytest

from dflow.plugins.lebesgue import LebesgueContext, LebesgueExecutor


def test_lebesgue_is_retired_as_in_the_original() -> None:
    # checked against the original 1.8.134: both raise DeprecationWarning when built
    with pytest.raises(DeprecationWarning, match="please use bohrium executor instead"):
        LebesgueExecutor(executor="lebesgue_v2")
    with pytest.raises(DeprecationWarning, match="please use bohrium context instead"):
        LebesgueContext(username="u", password="p")
    assert list(inspect.signature(LebesgueContext).parameters) == [
        "username", "password", "bohrium_url", "login_url", "app_name", "org_id", "user_id",
        "tag", "executor", "extra", "authorization",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("module", "purpose"),
    [("dflow.plugins.launching", "launching SDK"), ("dflow.plugins.metadata", "metadata SDK")],
)
def test_vendor_modules_name_the_missing_package(module: str, purpose: str) -> None:
    sys.modules.pop(module, None)
    # as the original (ModuleNotFoundError for 'dp'), with what the package is for
    with pytest.raises(ModuleNotFoundError, match=purpose) as caught:
        importlib.import_module(module)
    assert caught.value.name == "dp"
    assert "No module named 'dp'" in str(caught.value)
    assert module not in sys.modules  # a failed import leaves nothing half-imported

"""Lebesgue, Bohrium's former name: its executor and context are retired, as in the original.

Building either raises ``DeprecationWarning`` (as an exception) pointing at
``dflow.plugins.bohrium``, which replaces them.
"""

from __future__ import annotations

from typing import Any, Optional

from ..context import Context
from ..executor import Executor
from ..op_template import OPTemplate

__all__ = ["LebesgueExecutor", "LebesgueContext", "succ_code"]

succ_code = [0, "0000"]


class LebesgueExecutor(Executor):
    """Retired: use ``dflow.plugins.bohrium.BohriumExecutor``."""

    def __init__(self, executor: Optional[str] = None, extra: Optional[dict] = None) -> None:
        raise DeprecationWarning(
            "Lebesgue executor is deprecated, please use bohrium executor instead"
        )

    def render(self, template: OPTemplate) -> OPTemplate:  # pragma: no cover - never built
        raise DeprecationWarning("Lebesgue executor is deprecated")


class LebesgueContext(Context):
    """Retired: use ``dflow.plugins.bohrium.BohriumContext``."""

    def __init__(
        self,
        username: Optional[str] = None,
        password: Optional[str] = None,
        bohrium_url: str = "https://lbg-api.dp.tech",
        login_url: str = "https://workflow.dp.tech/account_gw/login",
        app_name: Optional[str] = None,
        org_id: Optional[str] = None,
        user_id: Optional[str] = None,
        tag: Optional[str] = None,
        executor: Optional[str] = None,
        extra: Optional[dict] = None,
        authorization: Optional[str] = None,
    ) -> None:
        raise DeprecationWarning(
            "Lebesgue context is deprecated, please use bohrium context instead"
        )

    def login(self) -> None:  # pragma: no cover - never built
        raise DeprecationWarning("Lebesgue context is deprecated")

    def render(self, template: Any) -> Any:  # pragma: no cover - never built
        raise DeprecationWarning("Lebesgue context is deprecated")

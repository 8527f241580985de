"""dflow 1.x's ``V1alpha1RetryStrategy``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_retry_strategy import (
    IoArgoprojWorkflowV1alpha1RetryStrategy as V1alpha1RetryStrategy,
)

__all__ = ["V1alpha1RetryStrategy"]

"""dflow 1.x's ``V1alpha1LifecycleHook``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_lifecycle_hook import (
    IoArgoprojWorkflowV1alpha1LifecycleHook as V1alpha1LifecycleHook,
)

__all__ = ["V1alpha1LifecycleHook"]

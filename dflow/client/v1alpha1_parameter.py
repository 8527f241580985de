"""dflow 1.x's ``V1alpha1Parameter``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_parameter import (
    IoArgoprojWorkflowV1alpha1Parameter as V1alpha1Parameter,
)

__all__ = ["V1alpha1Parameter"]

"""dflow 1.x's ``V1alpha1ValueFrom``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_value_from import (
    IoArgoprojWorkflowV1alpha1ValueFrom as V1alpha1ValueFrom,
)

__all__ = ["V1alpha1ValueFrom"]

"""dflow 1.x's ``V1alpha1Template``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_template import (
    IoArgoprojWorkflowV1alpha1Template as V1alpha1Template,
)

__all__ = ["V1alpha1Template"]

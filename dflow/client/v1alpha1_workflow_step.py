"""dflow 1.x's ``V1alpha1WorkflowStep``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_step import (
    IoArgoprojWorkflowV1alpha1WorkflowStep as V1alpha1WorkflowStep,
)

__all__ = ["V1alpha1WorkflowStep"]

"""dflow 1.x's ``V1alpha1Artifact``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_artifact import (
    IoArgoprojWorkflowV1alpha1Artifact as V1alpha1Artifact,
)

__all__ = ["V1alpha1Artifact"]

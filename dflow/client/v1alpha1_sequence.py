"""dflow 1.x's ``V1alpha1Sequence``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_sequence import (
    IoArgoprojWorkflowV1alpha1Sequence as V1alpha1Sequence,
)

__all__ = ["V1alpha1Sequence"]

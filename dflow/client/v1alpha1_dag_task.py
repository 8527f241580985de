"""dflow 1.x's ``V1alpha1DAGTask``: Argo's model class of the ``argo-workflows`` package."""

from __future__ import annotations

from argo_workflows.model.io_argoproj_workflow_v1alpha1_dag_task import (
    IoArgoprojWorkflowV1alpha1DAGTask as V1alpha1DAGTask,
)

__all__ = ["V1alpha1DAGTask"]

"""dflow 1.x's ``dflow.client``: Argo's workflow model classes, which are the ``argo-workflows``
package's (imported on first use)."""

from __future__ import annotations

from ..lazy import lazy_attributes

__all__ = [
    "V1alpha1Artifact",
    "V1alpha1DAGTask",
    "V1alpha1LifecycleHook",
    "V1alpha1Parameter",
    "V1alpha1RetryStrategy",
    "V1alpha1Sequence",
    "V1alpha1Template",
    "V1alpha1ValueFrom",
    "V1alpha1WorkflowStep",
]

__getattr__ = lazy_attributes(
    __name__,
    {
        "V1alpha1Artifact": "dflow.client.v1alpha1_artifact",
        "V1alpha1DAGTask": "dflow.client.v1alpha1_dag_task",
        "V1alpha1LifecycleHook": "dflow.client.v1alpha1_lifecycle_hook",
        "V1alpha1Parameter": "dflow.client.v1alpha1_parameter",
        "V1alpha1RetryStrategy": "dflow.client.v1alpha1_retry_strategy",
        "V1alpha1Sequence": "dflow.client.v1alpha1_sequence",
        "V1alpha1Template": "dflow.client.v1alpha1_template",
        "V1alpha1ValueFrom": "dflow.client.v1alpha1_value_from",
        "V1alpha1WorkflowStep": "dflow.client.v1alpha1_workflow_step",
    },
    globals(),
)

"""dflow: scientific-computing workflows in Python, run on Argo Workflows or on this machine.

The workflow-building API is imported eagerly (it is light); storage, engines and status views
are imported on first use, so ``import dflow`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from .config import config, s3_config, set_config, set_s3_config
from .dag import DAG
from .errors import (
    ArgoAPIError,
    DflowError,
    InvalidWorkflowError,
    StepFailedError,
    StorageError,
    WorkflowFailedError,
)
from .executor import Executor
from .expressions import (
    ArgoVar,
    argo_concat,
    argo_len,
    argo_range,
    argo_sequence,
    argo_sum,
    if_expression,
)
from .io import (
    PVC,
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    S3Artifact,
)
from .op_template import (
    ContainerOPTemplate,
    OPTemplate,
    PythonScriptOPTemplate,
    ScriptOPTemplate,
    ShellOPTemplate,
)
from .resource import Resource, ResourceOPTemplate
from .step import Step
from .steps import Steps
from .task import Task
from .workflow import Workflow, query_workflows

__version__ = "0.1.0"

# name -> module that defines it, imported on first access
_LAZY = {
    "ArgoWorkflow": "dflow.argo_objects",
    "ArgoStep": "dflow.argo_objects",
    "upload_artifact": "dflow.storage",
    "download_artifact": "dflow.storage",
    "copy_artifact": "dflow.storage",
    "upload_s3": "dflow.storage",
    "download_s3": "dflow.storage",
    "copy_s3": "dflow.storage",
    "RemoteExecutor": "dflow.executors",
    "SlurmRemoteExecutor": "dflow.executors",
    "SlurmJobTemplate": "dflow.executors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "config",
    "s3_config",
    "set_config",
    "set_s3_config",
    "DAG",
    "Task",
    "Step",
    "Steps",
    "Workflow",
    "query_workflows",
    "OPTemplate",
    "ScriptOPTemplate",
    "ShellOPTemplate",
    "PythonScriptOPTemplate",
    "ContainerOPTemplate",
    "Resource",
    "ResourceOPTemplate",
    "Executor",
    "Inputs",
    "Outputs",
    "InputParameter",
    "InputArtifact",
    "OutputParameter",
    "OutputArtifact",
    "S3Artifact",
    "PVC",
    "ArgoVar",
    "argo_range",
    "argo_sequence",
    "argo_len",
    "argo_sum",
    "argo_concat",
    "if_expression",
    "DflowError",
    "InvalidWorkflowError",
    "StorageError",
    "ArgoAPIError",
    "StepFailedError",
    "WorkflowFailedError",
    *_LAZY,
]

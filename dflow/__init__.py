"""dflow: scientific-computing workflows in Python, run on Argo Workflows or on this machine.

Every public name is imported on first use (PEP 562), so ``import dflow`` stays fast, also in the
container of every Python OP step, which needs only ``dflow.python.runtime``.
"""

from __future__ import annotations

from .config import config, s3_config, set_config, set_s3_config  # eager: "config" is also a module
from .lazy import lazy_attributes

__version__ = "0.1.0"

# name -> module that defines it, imported on first access
_LAZY = {
    **dict.fromkeys(["DAG"], "dflow.dag"),
    **dict.fromkeys(
        [
            "ArgoAPIError",
            "DflowError",
            "InvalidWorkflowError",
            "StepFailedError",
            "StorageError",
            "WaitTimeoutError",
            "WorkflowFailedError",
        ],
        "dflow.errors",
    ),
    **dict.fromkeys(["Executor"], "dflow.executor"),
    "ContainerExecutor": "dflow.executors.container",
    "SlurmJob": "dflow.executors.slurm_job",
    **dict.fromkeys(["CustomArtifact", "LocalArtifact"], "dflow.artifact_sources"),
    **dict.fromkeys(["HTTPArtifact", "HTTPOPTemplate"], "dflow.http_template"),
    "Context": "dflow.context",
    "AutonamedDict": "dflow.io_dicts",
    "LineageClient": "dflow.lineage",
    "jsonpickle": "dflow.pickling",
    "randstr": "dflow.filesystem",
    **dict.fromkeys(["DockerSecret", "Secret"], "dflow.secrets"),
    **dict.fromkeys(["path_list_of_artifact", "path_object_of_artifact"], "dflow.storage.paths"),
    **dict.fromkeys(
        [
            "ArgoVar",
            "IfExpression",
            "argo_concat",
            "argo_enumerate",
            "argo_len",
            "argo_range",
            "argo_sequence",
            "argo_sum",
            "if_expression",
        ],
        "dflow.expressions",
    ),
    **dict.fromkeys(
        [
            "PVC",
            "InputArtifact",
            "InputParameter",
            "Inputs",
            "OutputArtifact",
            "OutputParameter",
            "Outputs",
            "S3Artifact",
            "RawArtifact",
        ],
        "dflow.io",
    ),
    **dict.fromkeys(
        [
            "ContainerOPTemplate",
            "OPTemplate",
            "PythonScriptOPTemplate",
            "ScriptOPTemplate",
            "ShellOPTemplate",
        ],
        "dflow.op_template",
    ),
    **dict.fromkeys(["Resource", "ResourceOPTemplate"], "dflow.resource"),
    **dict.fromkeys(["Step", "HookStep"], "dflow.step"),
    **dict.fromkeys(["Steps"], "dflow.steps"),
    **dict.fromkeys(["Task"], "dflow.task"),
    **dict.fromkeys(["Workflow", "query_workflows", "query_archived_workflows"], "dflow.workflow"),
    **dict.fromkeys(["ArgoWorkflow", "ArgoStep"], "dflow.argo_objects"),
    **dict.fromkeys(["gen_code"], "dflow.code_gen"),
    **dict.fromkeys(
        [
            "upload_artifact",
            "download_artifact",
            "copy_artifact",
            "upload_s3",
            "download_s3",
            "copy_s3",
        ],
        "dflow.storage",
    ),
    **dict.fromkeys(
        ["RemoteExecutor", "SlurmRemoteExecutor", "SlurmJobTemplate"], "dflow.executors"
    ),
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = ["config", "s3_config", "set_config", "set_s3_config", *_LAZY]


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY))

"""The exception hierarchy: one base, one subclass per kind of failure."""

from __future__ import annotations

from typing import Optional

__all__ = [
    "DflowError",
    "InvalidWorkflowError",
    "StorageError",
    "ArgoAPIError",
    "KubernetesAPIError",
    "StepFailedError",
    "WorkflowFailedError",
    "NotFoundError",
    "ArtifactNotFoundError",
    "WaitTimeoutError",
]


class DflowError(Exception):
    """Base of every error dflow raises on purpose."""


class InvalidWorkflowError(DflowError, ValueError):
    """A workflow, template or step that cannot be rendered; the message names the culprit."""


class StorageError(DflowError):
    """An artifact could not be stored or fetched."""


class NotFoundError(DflowError, LookupError):
    """A workflow, step or stored object that does not exist."""


class ArtifactNotFoundError(StorageError, NotFoundError):
    """No artifact (or object) is stored under the key asked for."""


class ArgoAPIError(DflowError):
    """The Argo server answered an error, or could not be reached (``status`` 0).

    ``transient`` tells a failure that may pass by itself (no connection, 5xx) from a refusal.
    """

    def __init__(
        self, status: int, message: str, workflow: Optional[str] = None, transient: bool = False
    ) -> None:
        self.status = status
        self.server_message = message
        self.workflow = workflow
        self.transient = transient
        where = f" (workflow {workflow})" if workflow else ""
        super().__init__(f"Argo server answered {status}{where}: {message}")


class KubernetesAPIError(DflowError):
    """The Kubernetes API refused a call (``status``), or could not be reached (``status`` 0)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.server_message = message
        super().__init__(f"Kubernetes API answered {status}: {message}" if status else message)


class StepFailedError(DflowError):
    """A step of a workflow failed; carries its exit code and the tail of its log."""

    def __init__(
        self, step: str, message: str, exit_code: Optional[int] = None, log_tail: str = ""
    ) -> None:
        self.step = step
        self.exit_code = exit_code
        self.log_tail = log_tail
        text = f"step {step!r} failed"
        if exit_code is not None:
            text += f" with exit code {exit_code}"
        text += f": {message}"
        if log_tail:
            text += "\n--- last lines of its log ---\n" + log_tail
        super().__init__(text)


class WorkflowFailedError(DflowError):
    """A workflow ended in Failed or Error."""


class WaitTimeoutError(DflowError, TimeoutError):
    """A workflow had not finished when the time given to wait for it ran out."""

    def __init__(self, workflow: str, phase: Optional[str], waited: float) -> None:
        self.workflow = workflow
        self.phase = phase
        self.waited = waited
        super().__init__(f"workflow {workflow}: still {phase or 'Pending'} after {waited:.1f} s")

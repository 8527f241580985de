"""Running a step as a Kubernetes resource (a Job, a custom resource...) instead of a pod."""

from __future__ import annotations

from typing import Any, Dict, Optional, Union

from .io import Inputs, Outputs
from .op_template import OPTemplate

__all__ = ["Resource", "ResourceOPTemplate"]


class ResourceOPTemplate(OPTemplate):
    """A template that creates (or applies, patches, deletes) a Kubernetes object and waits on it.

    Args:
        action: ``create``, ``apply``, ``patch``, ``delete``, ``get`` or ``replace``.
        manifest: the object, as YAML text or a dict; it may use ``{{inputs.parameters.x}}``.
        success_condition / failure_condition: label-selector style conditions on the object,
            e.g. ``status.succeeded > 0``.
    """

    def __init__(
        self,
        name: Optional[str] = None,
        inputs: Optional[Inputs] = None,
        outputs: Optional[Outputs] = None,
        action: str = "create",
        manifest: Union[str, Dict[str, Any], None] = None,
        success_condition: Optional[str] = None,
        failure_condition: Optional[str] = None,
        set_owner_reference: bool = False,
        **common: Any,
    ) -> None:
        super().__init__(name, inputs, outputs, **common)
        self.action = action
        self.manifest = manifest or ""
        self.success_condition = success_condition
        self.failure_condition = failure_condition
        self.set_owner_reference = set_owner_reference


class Resource:
    """Turns the template of a step into a resource template (``Step(use_resource=...)``).

    Subclass it and override ``get_manifest(template)`` to wrap any template (a Slurm job, a
    Kubernetes Job running the script, ...); by default the given ``manifest`` is used as is.
    """

    def __init__(
        self,
        action: str = "create",
        success_condition: Optional[str] = None,
        failure_condition: Optional[str] = None,
        manifest: Union[str, Dict[str, Any], None] = None,
        set_owner_reference: bool = False,
    ) -> None:
        self.action = action
        self.success_condition = success_condition
        self.failure_condition = failure_condition
        self.manifest = manifest
        self.set_owner_reference = set_owner_reference

    def get_manifest(self, template: OPTemplate) -> Union[str, Dict[str, Any]]:
        """The Kubernetes object that runs ``template``."""
        if self.manifest is None:
            raise NotImplementedError(
                f"{type(self).__name__} has no manifest: pass manifest= or override get_manifest"
            )
        return self.manifest

    def render(self, template: OPTemplate) -> ResourceOPTemplate:
        """The resource template that replaces ``template`` (same inputs and outputs)."""
        import copy

        return ResourceOPTemplate(
            name=f"{template.name}-resource"[:57].rstrip("-."),
            inputs=copy.deepcopy(template.inputs),
            outputs=copy.deepcopy(template.outputs),
            action=self.action,
            manifest=self.get_manifest(template),
            success_condition=self.success_condition,
            failure_condition=self.failure_condition,
            set_owner_reference=self.set_owner_reference,
            timeout=template.timeout,
            retry_strategy=template.retry_strategy,
        )

"""Bohrium: log in, run steps on Bohrium's machines, store artifacts in its Tiefblue storage.

``BohriumExecutor`` / ``BohriumContext`` mark templates for Bohrium's Argo (annotations the
platform reads) and move the script's ``/tmp`` under its work directory; ``login``,
``update_headers`` and ``create_job_group`` speak Bohrium's account and job API;
``TiefblueClient`` (``dflow.plugins.tiefblue``) is the artifact store.
"""

from __future__ import annotations

import copy
import json
import os
from getpass import getpass
from typing import Any, Dict, List, Optional

from ..artifact_sources import CustomArtifact
from ..config import config as dflow_config
from ..context import Context
from ..errors import InvalidWorkflowError
from ..executor import Executor
from ..op_template import OPTemplate, PythonScriptOPTemplate, ScriptOPTemplate, ShellOPTemplate
from .http import ServiceError, call
from .tiefblue import TiefblueClient, bohrium_config, raise_error

__all__ = [
    "config",
    "succ_code",
    "login",
    "update_headers",
    "create_job_group",
    "BohriumExecutor",
    "BohriumContext",
    "TiefblueClient",
    "BohriumDatasetsArtifact",
]

config = bohrium_config
succ_code = [0, "0000"]
EXECUTOR_ANNOTATION = "workflow.dp.tech/executor"
EXTRA_ANNOTATION = "task.dp.tech/extra"
RENDERED_ANNOTATION = "workflow.dp.tech/script_rendered"  # the script's /tmp is already moved
WORK_TMP = "$(pwd)/tmp"


def login(
    username: Optional[str] = None,
    phone: Optional[str] = None,
    password: Optional[str] = None,
    bohrium_url: Optional[str] = None,
) -> str:
    """Log in to Bohrium (asking for what is not given or configured); returns the token."""
    url = (bohrium_url or config["bohrium_url"]) + "/account/login"
    username = username if username is not None else config["username"]
    phone = phone if phone is not None else config["phone"]
    password = password if password is not None else config["password"]
    if username is None and phone is None:
        username = input("Bohrium email: ") or None
        if username is None:
            phone = input("Bohrium phone: ")
    if password is None:
        password = getpass("Bohrium password: ")
    answer = call(
        "POST",
        url,
        "Bohrium login",
        json_body={"username": username, "phone": phone, "password": password},
    )
    res = raise_error(answer.json("Bohrium login"), "login", answer.status)
    config["authorization"] = res["data"]["token"]
    update_headers()
    return str(config["authorization"])


def update_headers() -> None:
    """Put the Bohrium ticket or token (and project) into the headers of every Argo API call."""
    headers = dflow_config.setdefault("http_headers", {})
    if config["ticket"] is not None:
        headers["Brm-Ticket"] = config["ticket"]
    elif config["authorization"] is not None:
        cookie = "brmToken=" + config["authorization"]
        old = [
            c for c in headers.get("Cookie", "").split("; ") if c and c.split("=")[0] != "brmToken"
        ]
        headers["Cookie"] = "; ".join([*old, cookie])
    if config["project_id"]:
        headers["Bohrium-Project-ID"] = str(config["project_id"])


def _ticket_headers() -> Dict[str, str]:
    """Headers authenticating a Bohrium API call: an access key's ticket, a ticket, or a login."""
    if config["access_key"] is not None:
        answer = call(
            "GET",
            config["openapi_url"] + "/openapi/v1/ticket/get",
            "Bohrium get ticket",
            headers={"x-app-key": config["app_key"] or ""},
            params={"accessKey": config["access_key"]},
        )
        res = raise_error(answer.json("Bohrium get ticket"), "get ticket", answer.status)
        config["ticket"] = res["data"]["ticket"]
    if config["ticket"] is not None:
        update_headers()
        return {"Brm-Ticket": config["ticket"]}
    return {"Authorization": "Bearer " + login()}


def create_job_group(job_group_name: str) -> Any:
    """Create a Bohrium job group (in ``config["project_id"]``); returns its id."""
    data: Dict[str, Any] = {"name": job_group_name}
    if config["project_id"] is not None:
        data["projectId"] = int(config["project_id"])
    headers = _ticket_headers()
    answer = call(
        "POST",
        config["bohrium_url"] + "/brm/v1/job_group/add",
        "Bohrium create job group",
        headers=headers,
        json_body=data,
    )
    res = raise_error(answer.json("Bohrium create job group"), "get job group id", answer.status)
    return res["data"]["groupId"]


def _extra(extra: Any) -> Any:
    return json.dumps(extra) if isinstance(extra, dict) else extra


def _rewrite_tmp(template: ScriptOPTemplate) -> str:
    """The script with ``/tmp`` under the Bohrium work directory, which it creates first."""
    script = template.script.replace("/tmp", WORK_TMP)
    if isinstance(template, ShellOPTemplate):
        return "mkdir -p tmp\n" + script
    if isinstance(template, PythonScriptOPTemplate):
        return "import os\nos.makedirs('tmp', exist_ok=True)\n" + script
    return script


class _Rewritten:
    """Mixin of a Python OP template whose rebuilt scripts keep ``/tmp`` under the work dir."""

    def bootstrap(self, *args: Any, **kwargs: Any) -> str:
        rebuilt = super().bootstrap(*args, **kwargs)  # type: ignore[misc]
        return "import os\nos.makedirs('tmp', exist_ok=True)\n" + rebuilt.replace("/tmp", WORK_TMP)


_REWRITTEN: Dict[type, type] = {}


def _on_bohrium(template: ScriptOPTemplate, annotations: Dict[str, str], suffix: str) -> OPTemplate:
    """A copy of ``template`` for Bohrium's work directory, with ``annotations`` added."""
    new = template.replace(
        name=_name(template.name, suffix),
        script=_rewrite_tmp(template),
        annotations={**template.annotations, **annotations, RENDERED_ANNOTATION: "true"},
    )
    if callable(getattr(template, "bootstrap", None)):
        cls = type(template)
        if cls not in _REWRITTEN:
            _REWRITTEN[cls] = type(f"Bohrium{cls.__name__}", (_Rewritten, cls), {})
        new.__class__ = _REWRITTEN[cls]
    return new


def _name(name: str, suffix: str) -> str:
    return f"{name[: 56 - len(suffix)].rstrip('-.')}-{suffix}"


class BohriumExecutor(Executor):
    """Run a script step on a Bohrium machine.

    Args:
        executor: the Bohrium executor kind (the ``workflow.dp.tech/executor`` annotation).
        extra: extra job settings (``task.dp.tech/extra``, JSON), over those of the context.
    """

    def __init__(self, executor: Optional[str] = None, extra: Optional[dict] = None) -> None:
        self.executor = executor
        self.extra = extra

    def render(self, template: OPTemplate) -> OPTemplate:
        if not isinstance(template, ScriptOPTemplate):
            raise InvalidWorkflowError(
                f"BohriumExecutor on template {template.name!r}: only script templates run "
                f"on Bohrium, got {type(template).__name__}"
            )
        annotations: Dict[str, str] = {}
        if self.executor is not None:
            annotations[EXECUTOR_ANNOTATION] = self.executor
        if self.extra is not None:
            annotations[EXTRA_ANNOTATION] = _extra(self.extra)
        return _on_bohrium(template, annotations, "bohrium")


class BohriumContext(Context):
    """A workflow context that sends every script step to Bohrium (logging in when built).

    Args:
        username / phone / password: the Bohrium account (default: ``config``, else asked).
        bohrium_url: the Bohrium address.
        executor: the executor kind for every step; ``"bohrium_v2"`` also moves ``/tmp``.
        extra: extra job settings (JSON annotation on the workflow).
        authorization: a token from an earlier login (no login then).
    """

    renders_workflow = True

    def __init__(
        self,
        username: Optional[str] = None,
        phone: Optional[str] = None,
        password: Optional[str] = None,
        bohrium_url: Optional[str] = None,
        executor: Optional[str] = None,
        extra: Optional[dict] = None,
        authorization: Optional[str] = None,
    ) -> None:
        self.bohrium_url = bohrium_url if bohrium_url is not None else config["bohrium_url"]
        self.login_url = self.bohrium_url + "/account/login"
        self.username = username if username is not None else config["username"]
        self.phone = phone if phone is not None else config["phone"]
        self.password = password if password is not None else config["password"]
        self.authorization = authorization if authorization is not None else config["authorization"]
        self.executor = executor
        self.extra = extra
        self.login()

    def login(self) -> None:
        if self.authorization is None:
            self.authorization = login(self.username, self.phone, self.password, self.bohrium_url)
            config["authorization"] = self.authorization

    def render(self, template: Any) -> Any:
        """Workflows get the executor annotations; script templates a Bohrium copy.

        The login token is not written into the workflow (a manifest holds no credential): Argo
        API calls carry it in their headers (``update_headers``).
        """
        if isinstance(template, ScriptOPTemplate):
            annotations = {EXECUTOR_ANNOTATION: self.executor} if self.executor else {}
            if self.executor != "bohrium_v2":
                new = template.replace(
                    name=_name(template.name, "bohrium"),
                    annotations={**template.annotations, **annotations},
                )
                return new
            return _on_bohrium(template, annotations, "bohrium")
        annotations_of = getattr(template, "annotations", None)
        if isinstance(annotations_of, dict) and hasattr(template, "entrypoint"):
            if self.executor is not None:
                annotations_of[EXECUTOR_ANNOTATION] = self.executor
            if self.extra is not None:
                annotations_of[EXTRA_ANNOTATION] = _extra(self.extra)
            annotations_of["workflow.dp.tech/executor_addr"] = self.bohrium_url + "/"
        return template


class BohriumDatasetsArtifact(CustomArtifact):
    """A Bohrium dataset (``bohrium+datasets://<path>``) mounted into the job by Bohrium itself."""

    def __init__(self, path: str, sub_path: Optional[str] = None) -> None:
        self.path = path
        self._sub_path = sub_path

    @classmethod
    def from_urn(cls, urn: str) -> BohriumDatasetsArtifact:
        path = urn[len("bohrium+datasets://") :] if urn.startswith("bohrium+datasets://") else urn
        fields = path.split("/")
        if len(fields) > 4:  # /bohr/<name>/v<version>/<sub path>
            return cls("/".join(fields[:4]), "/".join(fields[4:]))
        return cls(path)

    def get_urn(self) -> str:
        urn = f"bohrium+datasets://{self.path}"
        return urn if self._sub_path is None else f"{urn}/{self._sub_path}"

    def __repr__(self) -> str:
        return self.get_urn()

    def sub_path(self, path: str) -> BohriumDatasetsArtifact:
        artifact = copy.deepcopy(self)
        artifact._sub_path = str(path) if self._sub_path is None else f"{self._sub_path}/{path}"
        return artifact

    def modify_config(self, name: str, machine: Any) -> None:
        """Ask DPDispatcher's Bohrium machine to mount the dataset."""
        paths: List[str] = machine.input_data.setdefault("dataset_path", [])
        paths.append(self.path)

    def bohrium_download(self, name: str, path: str) -> None:
        """Link ``path`` to the dataset Bohrium mounted (it must be there)."""
        os.stat(self.path)
        target = self.path if self._sub_path is None else f"{self.path}/{self._sub_path}"
        os.symlink(target, path)

    def download(self, name: str, path: str) -> None:
        raise NotImplementedError(
            f"{self.get_urn()}: a Bohrium dataset is mounted by Bohrium; it cannot be downloaded"
        )

    def remote_download(self, name: str, path: str) -> None:
        raise NotImplementedError(
            f"{self.get_urn()}: a Bohrium dataset is mounted by Bohrium; it cannot be downloaded"
        )

    def render(self, template: Any, name: str) -> Any:
        raise InvalidWorkflowError(
            f"{self.get_urn()} as input artifact {name!r} of template "
            f"{getattr(template, 'name', '')!r}: a Bohrium dataset is mounted by Bohrium into "
            "the jobs it runs (modify_config, bohrium_download); a pod cannot fetch it"
        )


dflow_config.setdefault("artifact_register", {})["bohrium+datasets"] = (
    "dflow.plugins.bohrium.BohriumDatasetsArtifact"
)

# ``ServiceError`` is what a refused call raises (a RuntimeError, as with the original).
BohriumError = ServiceError

try:  # a DPDispatcher job can take it as one of its own artifacts
    from .dispatcher import DispatcherArtifact
except ImportError:  # the DPDispatcher plugin is absent: nothing to register with
    pass
else:
    DispatcherArtifact.register(BohriumDatasetsArtifact)

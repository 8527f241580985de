"""SSH settings of a remote executor and the shell preamble that connects with them.

Credentials never enter the generated script: the preamble reads them from environment
variables (filled by Argo from Kubernetes Secrets, or by the local engine from its secrets
directory) and writes them to a private temporary directory removed on exit.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from ..errors import InvalidWorkflowError
from ..secrets import Secret
from .shell import q

__all__ = ["SSHSettings", "KEY_ENV", "PASSWORD_ENV"]

KEY_ENV = "DFLOW_SSH_KEY"
PASSWORD_ENV = "DFLOW_SSH_PASSWORD"

_ASKPASS = ["#!/bin/sh", f"printf '%s\\n' \"${PASSWORD_ENV}\""]


def _as_secret(value: Union[str, Secret, None], key: str, what: str) -> Optional[Secret]:
    if value is None or isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(value=value, key=key)
    raise InvalidWorkflowError(f"{what} must be a str or a dflow.secrets.Secret")


class SSHSettings:
    """Where and how to log in: host, port, user, and secrets for a password or private key."""

    def __init__(
        self,
        host: str,
        port: int = 22,
        username: str = "root",
        password: Union[str, Secret, None] = None,
        private_key_file: Optional[str] = None,
        private_key: Union[str, Secret, None] = None,
        known_hosts: Optional[str] = None,
        connect_timeout: int = 10,
    ) -> None:
        if not host or not isinstance(host, str):
            raise InvalidWorkflowError("a remote executor needs a host")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise InvalidWorkflowError(f"remote executor for {host!r}: port {port!r} is invalid")
        if private_key_file is not None and private_key is not None:
            raise InvalidWorkflowError(
                f"remote executor for {host!r}: give private_key_file or private_key, not both"
            )
        self.host = host
        self.port = port
        self.username = username
        self.password = _as_secret(password, "password", "password")
        if private_key_file is not None:
            self.private_key: Optional[Secret] = Secret(file=private_key_file, key="ssh-privatekey")
        else:
            self.private_key = _as_secret(private_key, "ssh-privatekey", "private_key")
        self.known_hosts = known_hosts
        self.connect_timeout = int(connect_timeout)

    @property
    def where(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"

    @property
    def secrets(self) -> List[Secret]:
        return [s for s in (self.password, self.private_key) if s is not None]

    def fingerprint(self) -> str:
        """The settings that change the rendered script (secret names, never values)."""
        names = [f"{s.name}/{s.key}" for s in self.secrets]
        return f"{self.where}\0{names}\0{self.known_hosts}\0{self.connect_timeout}"

    def envs(self) -> Dict[str, Any]:
        """Environment variables of the executor's container: references to the secrets."""
        out: Dict[str, Any] = {}
        if self.private_key is not None:
            out[KEY_ENV] = self.private_key.ref()
        if self.password is not None:
            out[PASSWORD_ENV] = self.password.ref()
        return out

    def preamble(self) -> str:
        """Shell code defining ``dflow_ssh`` (runs a remote command) and ``dflow_fail``.

        With ``dflow_exec`` set (in a subshell), ``dflow_ssh`` replaces that subshell by ``ssh``,
        so that the PID of a background call is the PID of ``ssh`` itself.
        """
        if self.known_hosts is not None:
            host_keys = (
                f"printf '%s\\n' {q(self.known_hosts)} > \"$dflow_t/known_hosts\"\n"
                'dflow_hostkeys="$dflow_t/known_hosts"; dflow_strict=yes\n'
            )
        else:
            host_keys = "dflow_hostkeys=/dev/null; dflow_strict=no\n"
        askpass = " ".join(q(line) for line in _ASKPASS)
        return f"""\
dflow_host={q(self.host)}
dflow_port={self.port}
dflow_user={q(self.username)}
dflow_where={q(self.where)}
dflow_fail() {{ echo "dflow: $1" >&2; exit "$2"; }}
dflow_t=$(mktemp -d) || dflow_fail "cannot make a temporary directory" 1
trap 'rm -rf "$dflow_t"' EXIT
chmod 700 "$dflow_t"
if [ -n "${{{KEY_ENV}:-}}" ]; then
  (umask 077; printf '%s\\n' "${KEY_ENV}" > "$dflow_t/key")
fi
if [ -n "${{{PASSWORD_ENV}:-}}" ]; then
  (umask 077; printf '%s\\n' {askpass} > "$dflow_t/askpass")
  chmod 700 "$dflow_t/askpass"
  SSH_ASKPASS="$dflow_t/askpass"; SSH_ASKPASS_REQUIRE=force; DISPLAY=${{DISPLAY:-dflow:0}}
  export SSH_ASKPASS SSH_ASKPASS_REQUIRE DISPLAY
fi
{host_keys}dflow_ssh() {{
  set -- "$dflow_user@$dflow_host" "$@"
  if [ -f "$dflow_t/key" ]; then set -- -i "$dflow_t/key" -o IdentitiesOnly=yes "$@"; fi
  if [ -z "${{{PASSWORD_ENV}:-}}" ]; then set -- -o BatchMode=yes "$@"; fi
  ${{dflow_exec:+exec}} ssh -p "$dflow_port" -o ConnectTimeout={self.connect_timeout} \\
    -o ServerAliveInterval=30 -o LogLevel=ERROR -o StrictHostKeyChecking="$dflow_strict" \\
    -o UserKnownHostsFile="\\"$dflow_hostkeys\\"" "$@"
}}
"""

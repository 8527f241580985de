"""``SlurmRemoteExecutor``: submit a step's script as a Slurm job on a login node over SSH."""

from __future__ import annotations

from typing import Dict, List, Optional, Union

from ..errors import InvalidWorkflowError
from ..op_template import ScriptOPTemplate
from ..secrets import Secret
from .base import CONTROL, DEFAULT_WORKDIR, RemoteBase
from .shell import q

__all__ = ["SlurmRemoteExecutor", "check_header"]

_JOB = "@DFLOW_JOB@"


def check_header(header: str, owner: str) -> List[str]:
    """The header's lines; each must be a comment (``#SBATCH ...``), so it cannot run code."""
    lines = [line.rstrip() for line in header.splitlines() if line.strip()]
    for number, line in enumerate(lines, 1):
        if not line.lstrip().startswith("#"):
            raise InvalidWorkflowError(
                f"{owner}: header line {number} ({line!r}) is not a '#SBATCH' directive"
            )
    return lines


def _with_job(code: str) -> str:
    """``code`` as one shell word in which ``@DFLOW_JOB@`` is the job id variable."""
    parts = code.split(_JOB)
    return '"$dflow_job"'.join(q(part) for part in parts)


class SlurmRemoteExecutor(RemoteBase):
    """Submits the step's script with ``sbatch`` on ``host``, polls it, brings outputs and log back.

    Takes the arguments of ``RemoteExecutor`` and:

    Args:
        header: ``#SBATCH`` lines of the job (a ``#!`` first line picks the job's shell).
        interval: seconds between two polls of the job's state.
        poll_retries: consecutive failed polls (SSH or Slurm unreachable) before the step fails.
        workdir: must be on a file system shared by the login and compute nodes.
    """

    kind = "slurm"

    def __init__(
        self,
        host: str,
        port: int = 22,
        username: str = "root",
        password: Union[str, Secret, None] = None,
        private_key_file: Optional[str] = None,
        workdir: str = DEFAULT_WORKDIR,
        header: str = "",
        interval: Union[int, float] = 3,
        poll_retries: int = 5,
        pvc: object = None,
        **options: object,
    ) -> None:
        if pvc is not None:
            raise InvalidWorkflowError(
                f"SlurmRemoteExecutor for {host!r}: pvc= is not supported: the step's files "
                "travel over SSH, not through a shared volume"
            )
        super().__init__(host, port, username, password, private_key_file, workdir, **options)  # type: ignore[arg-type]
        self.header_lines = check_header(header, f"SlurmRemoteExecutor for {host!r}")
        if not isinstance(interval, (int, float)) or interval <= 0:
            raise InvalidWorkflowError(f"SlurmRemoteExecutor: interval {interval!r} must be > 0")
        self.interval = interval
        self.poll_retries = int(poll_retries)
        self.header = header

    def settings(self) -> str:
        return f"{super().settings()}\0{self.header_lines}\0{self.interval}\0{self.poll_retries}"

    def extra_files(self) -> Dict[str, str]:
        lines = list(self.header_lines)
        shebang = lines.pop(0) if lines and lines[0].startswith("#!") else "#!/bin/sh"
        body = [
            shebang,
            *lines,
            'cd "${SLURM_SUBMIT_DIR:-.}" || exit 1',
            f"sh tmp/{CONTROL}/run.sh",
            "dflow_rc=$?",
            f'echo "$dflow_rc" > tmp/{CONTROL}/rc.part',
            f"mv tmp/{CONTROL}/rc.part tmp/{CONTROL}/rc",
            'exit "$dflow_rc"',
        ]
        return {"job.sh": "\n".join(body) + "\n"}

    def run_section(self, template: ScriptOPTemplate) -> str:
        c = f"tmp/{CONTROL}"
        submit = (
            f"cd {self.rdir} && sbatch --parsable --job-name={q(template.name)} "
            f"--output={c}/log --error={c}/log {c}/job.sh"
        )
        poll = _with_job(
            f"cd {self.rdir} || exit 1; "
            f"s=$(squeue -h -j {_JOB} -o %T 2>/dev/null); "
            'if [ -n "$s" ]; then echo "queued $s"; exit 0; fi; '
            f"i=$(scontrol -o show job {_JOB} 2>/dev/null | tr ' ' '\\n' "
            "| grep -E '^(JobState|Reason|ExitCode)=' | tr '\\n' ' '); "
            f'if [ -z "$i" ]; then i=$(sacct -n -X -P -j {_JOB} -o State,ExitCode 2>/dev/null '
            "| head -n 1 | sed 's/^\\(.*\\)|\\(.*\\)$/JobState=\\1 ExitCode=\\2/'); fi; "
            f'if [ -f {c}/rc ]; then echo "rc $(cat {c}/rc) $i"; '
            'else echo "gone ${i:-JobState=UNKNOWN}"; fi'
        )
        cancel = _with_job(f"scancel {_JOB}")
        log = f"cd {self.rdir} && cat {c}/log 2>/dev/null"
        return f"""\
dflow_job=$(dflow_ssh {q(submit)} < /dev/null)
dflow_rc=$?
[ "$dflow_rc" -eq 0 ] ||
  dflow_fail "sbatch failed on $dflow_where (exit code $dflow_rc)" "$dflow_rc"
dflow_job=${{dflow_job%%;*}}
case $dflow_job in
  ''|*[!0-9]*) dflow_fail "sbatch on $dflow_where answered no job id: $dflow_job" 1;;
esac
echo "dflow: submitted Slurm job $dflow_job on $dflow_where" >&2
dflow_cancel() {{
  dflow_ssh {cancel} < /dev/null
  dflow_fail "the step was stopped; Slurm job $dflow_job was cancelled" 143
}}
trap dflow_cancel TERM INT HUP
dflow_errors=0
while :; do
  sleep {self.interval} &
  wait $!
  if ! dflow_state=$(dflow_ssh {poll} < /dev/null); then
    dflow_errors=$((dflow_errors + 1))
    if [ "$dflow_errors" -ge {self.poll_retries} ]; then
      dflow_fail "cannot poll Slurm job $dflow_job on $dflow_where ($dflow_errors attempts)" 255
    fi
    continue
  fi
  dflow_errors=0
  case $dflow_state in
    "rc "*) dflow_info=${{dflow_state#rc }}; dflow_rc=${{dflow_info%% *}}; break;;
    "gone "*) dflow_rc=gone; break;;
  esac
done
trap - TERM INT HUP
dflow_ssh {q(log)} < /dev/null
if [ "$dflow_rc" = gone ]; then
  dflow_info=${{dflow_state#gone }}
  dflow_code=$(printf '%s\\n' "$dflow_info" |
    sed -n 's/.*ExitCode=\\([0-9]*\\):\\([0-9]*\\).*/\\1 \\2/p')
  set -- $dflow_code 0 0
  # a signal (cancellation, time limit) reads as 128 + signal, as a shell reports it
  if [ "$2" -gt 0 ]; then dflow_rc=$((128 + $2))
  elif [ "$1" -gt 0 ]; then dflow_rc=$1
  else dflow_rc=1; fi
  echo "dflow: Slurm job $dflow_job ended before its script finished:" \\
    "$dflow_info(exit code $dflow_rc)" >&2
elif [ "$dflow_rc" -ne 0 ]; then
  echo "dflow: Slurm job $dflow_job failed with exit code $dflow_rc:" \\
    "${{dflow_info#"$dflow_rc"}}" >&2
fi
"""

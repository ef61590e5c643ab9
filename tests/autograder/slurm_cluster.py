"""A single-node Slurm cluster in a temporary folder, for the tests: munged, slurmctld, slurmd.

There is no systemd here (nor on CI): :class:`SlurmCluster` writes its own munge key and
``slurm.conf`` (loopback addresses, free ports, no cgroups: ``proctrack/linuxproc`` and
``task/none``), starts the three daemons itself, bounds every client call with a timeout, and
stops every daemon it started. It needs root (``SlurmUser=root``) and Debian's ``slurm-wlm``
and ``munge``; :func:`unavailable` says why it cannot start where it cannot.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["SlurmCluster", "SlurmError", "unavailable"]

_DAEMONS = ("munged", "slurmctld", "slurmd")
_CLIENTS = ("sbatch", "squeue", "scontrol", "sinfo", "scancel")
_CALL_SECONDS = 30
NODE = "dlfsnode"


class SlurmError(RuntimeError):
    """The cluster could not start, or a client call failed (the daemons' logs attached)."""


def unavailable() -> str | None:
    """Why a cluster cannot start here, or None when it can."""
    if os.geteuid() != 0:
        return "a test cluster runs its daemons as root (SlurmUser=root); this is not root"
    missing = [
        name
        for name in (*_DAEMONS, *_CLIENTS)
        if shutil.which(name) is None and not Path("/usr/sbin", name).exists()
    ]
    if missing:
        names = ", ".join(missing)
        return f"Slurm or munge is not installed ({names}): apt-get install slurm-wlm munge"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _program(name: str) -> str:
    return shutil.which(name) or str(Path("/usr/sbin", name))


class SlurmCluster:
    """One node (all of this machine's CPUs), one partition, started in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.conf = folder / "slurm.conf"
        self.socket = folder / "munge" / "munge.socket"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        self._pid_files = {
            "munged": folder / "munge" / "munged.pid",
            "slurmctld": folder / "slurmctld.pid",
            "slurmd": folder / "slurmd.pid",
        }

    # -- start and stop ------------------------------------------------------------------

    def start(self, seconds: float = 30) -> None:
        """Start munged, slurmctld and slurmd and wait until the node is idle.

        Raises:
            SlurmError: a daemon did not start, or the node did not come up in time.
        """
        self._start_munge()
        self._write_conf()
        for folder in ("state", "spool", "logs"):
            (self.folder / folder).mkdir(exist_ok=True)
        self._daemon([_program("slurmctld"), "-c", "-f", str(self.conf)])
        self._daemon([_program("slurmd"), "-f", str(self.conf), "-N", NODE])
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            state = self.call("sinfo", "-h", "-N", "-o", "%t", check=False).stdout.strip()
            if state in ("idle", "mix", "alloc"):
                return
            time.sleep(0.3)
        raise SlurmError(f"the node did not come up in {seconds:g} s ({state!r})\n{self.logs()}")

    def _start_munge(self) -> None:
        folder = self.socket.parent
        folder.mkdir()
        folder.chmod(0o755)  # clients of every user reach the socket (munged checks)
        key = folder / "munge.key"
        key.write_bytes(secrets.token_bytes(1024))
        key.chmod(0o600)
        self._daemon(
            [
                _program("munged"),
                "--force",
                f"--key-file={key}",
                f"--socket={self.socket}",
                f"--pid-file={self._pid_files['munged']}",
                f"--log-file={folder / 'munged.log'}",
                f"--seed-file={folder / 'munged.seed'}",
            ]
        )

    def _write_conf(self) -> None:
        f = self.folder
        cpus = os.cpu_count() or 1
        lines = {
            "ClusterName": "dlfstest",
            "SlurmctldHost": f"{socket.gethostname()}(127.0.0.1)",
            "SlurmctldPort": _free_port(),
            "SlurmdPort": _free_port(),
            "SlurmUser": "root",
            "SlurmdUser": "root",
            "AuthType": "auth/munge",
            "CredType": "cred/munge",
            "AuthInfo": f"socket={self.socket}",
            "StateSaveLocation": f / "state",
            "SlurmdSpoolDir": f / "spool",
            "SlurmctldPidFile": self._pid_files["slurmctld"],
            "SlurmdPidFile": self._pid_files["slurmd"],
            "SlurmctldLogFile": f / "logs" / "slurmctld.log",
            "SlurmdLogFile": f / "logs" / "slurmd.log",
            "ProctrackType": "proctrack/linuxproc",
            "TaskPlugin": "task/none",
            "JobAcctGatherType": "jobacct_gather/none",
            "AccountingStorageType": "accounting_storage/none",
            "JobCompType": "jobcomp/none",
            "SelectType": "select/cons_tres",
            "SelectTypeParameters": "CR_Core",
            "MpiDefault": "none",
            "SchedulerType": "sched/builtin",  # first in, first out: a test needs no backfill
            "SchedulerParameters": "sched_interval=2",  # a freed CPU is used within seconds
            "ReturnToService": 2,
            "MinJobAge": 600,
            "SlurmctldTimeout": 30,
            "SlurmdTimeout": 30,
        }
        text = "".join(f"{k}={v}\n" for k, v in lines.items())
        host = socket.gethostname()
        text += f"NodeName={NODE} NodeHostname={host} NodeAddr=127.0.0.1 CPUs={cpus}\n"
        text += f"PartitionName=test Nodes={NODE} Default=YES MaxTime=INFINITE State=UP\n"
        self.conf.write_text(text, encoding="utf-8")

    def _daemon(self, command: list[str]) -> None:
        """Run a daemon's start command (it forks into the background and writes its pid)."""
        try:
            run = subprocess.run(
                command, env=self.env, capture_output=True, text=True, timeout=_CALL_SECONDS
            )
        except subprocess.TimeoutExpired:
            why = f"{command[0]} did not start in {_CALL_SECONDS} s"
            raise SlurmError(f"{why}\n{self.logs()}") from None
        if run.returncode != 0:
            why = f"{' '.join(command)}: exit {run.returncode}: {run.stderr}"
            raise SlurmError(f"{why}\n{self.logs()}")

    def stop(self) -> None:
        """Stop every daemon this cluster started (SIGTERM, then SIGKILL), jobs first."""
        with contextlib.suppress(SlurmError, subprocess.SubprocessError, OSError):
            self.call("scancel", "--user=root", check=False, timeout=10)
        for name in reversed(_DAEMONS):
            pid = self._pid(name)
            if pid is not None:
                _end(pid)

    def _pid(self, name: str) -> int | None:
        try:
            return int(self._pid_files[name].read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    # -- clients ---------------------------------------------------------------------------

    def call(
        self, *args: str, check: bool = True, timeout: float = _CALL_SECONDS
    ) -> subprocess.CompletedProcess[str]:
        """Run a client command (``sbatch``, ``squeue``, ``scontrol`` …), bounded in time.

        Raises:
            SlurmError: it failed (with ``check``) or took longer than ``timeout``.
        """
        try:
            run = subprocess.run(
                list(args), env=self.env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            why = f"{' '.join(args)} took more than {timeout:g} s"
            raise SlurmError(f"{why}\n{self.logs()}") from None
        if check and run.returncode != 0:
            why = f"{' '.join(args)}: exit {run.returncode}: {run.stderr}"
            raise SlurmError(f"{why}\n{self.logs()}")
        return run

    def job_state(self, job_id: str) -> str:
        """The job's state (``PENDING``, ``RUNNING``, ``COMPLETED``, ``FAILED`` …); for an
        array, the states of its tasks joined by commas."""
        text = self.call("scontrol", "-o", "show", "job", job_id, check=False).stdout
        states = sorted({w.split("=", 1)[1] for w in text.split() if w.startswith("JobState=")})
        return ",".join(states) or "UNKNOWN"

    def wait(self, job_id: str, seconds: float) -> str:
        """Wait until ``job_id`` (every task of it) has ended; its final state(s).

        Raises:
            SlurmError: it has not ended within ``seconds``.
        """
        deadline = time.monotonic() + seconds
        ended = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"}
        while time.monotonic() < deadline:
            state = self.job_state(job_id)
            if state != "UNKNOWN" and set(state.split(",")) <= ended:
                return state
            time.sleep(1)
        raise SlurmError(f"job {job_id} has not ended in {seconds:g} s ({state})\n{self.logs()}")

    def logs(self) -> str:
        """The ends of the daemons' logs (for a failure's message)."""
        parts = []
        for path in sorted(self.folder.glob("**/*.log")):
            with contextlib.suppress(OSError):
                tail = path.read_text(errors="replace").splitlines()[-15:]
                parts.append(f"--- {path.name}\n" + "\n".join(tail))
        return "\n".join(parts)


def _end(pid: int, seconds: float = 10) -> None:
    """SIGTERM ``pid``, and SIGKILL it if it has not ended within ``seconds``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)

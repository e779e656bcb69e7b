"""A throwaway Ray head for benchmarks: started in its own temp folder, reached on loopback, always stopped.

The head is ``ray start --head --block`` run as a child in a new session. Stopping it never uses
``ray stop``: that command kills every Ray process of the machine, including clusters other people's tests
are using. Instead the ``--block`` process gets SIGTERM (it then shuts down the processes it started), its
process group gets SIGKILL if it lingers, and any process left whose command line names this head's unique
temp folder is killed by its pid.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_HOST = "127.0.0.1"
# Every port a head opens, so two heads (or a test cluster) on one machine never collide on a default.
_PORT_FLAGS = (
    "--port",
    "--dashboard-port",
    "--node-manager-port",
    "--object-manager-port",
    "--dashboard-agent-listen-port",
    "--dashboard-agent-grpc-port",
    "--runtime-env-agent-port",
    "--metrics-export-port",
    "--ray-client-server-port",
)


@dataclass(frozen=True)
class RayHead:
    """A running head: where its GCS and dashboard listen, and its temp folder."""

    gcs_port: int
    dashboard_port: int
    node_manager_port: int
    temp_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        """The GCS address, for ``ray.init(address=...)``."""
        return f"{_HOST}:{self.gcs_port}"

    @property
    def dashboard_url(self) -> str:
        """The dashboard URL, for ``JobSubmissionClient`` and the state API."""
        return f"http://{_HOST}:{self.dashboard_port}"


def configure_ray_auth(mode: str, temp_dir: Path) -> None:
    """Pin Ray's token authentication for the head and this process, so the result never depends on it.

    Left alone, ``ray start`` turns token auth on only if a token file happens to exist in the home folder,
    and a client connecting to it does not, so the outcome would depend on the machine's history. With
    ``token``, a fresh token is written into ``temp_dir`` (not the home folder) and both sides use it.

    Args:
        mode: ``token`` or ``disabled``.
        temp_dir: This run's temp folder.
    """
    if mode not in ("token", "disabled"):
        raise ValueError(f"ray auth mode must be 'token' or 'disabled', got {mode!r}")
    os.environ["RAY_AUTH_MODE"] = mode
    os.environ.pop("RAY_AUTH_TOKEN", None)  # a token in the environment would win over the file below
    if mode == "token":
        path = temp_dir / "ray-auth-token"
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
        os.environ["RAY_AUTH_TOKEN_PATH"] = str(path)
    else:
        os.environ.pop("RAY_AUTH_TOKEN_PATH", None)


def free_ports(count: int) -> list[int]:
    """Return ``count`` distinct free loopback ports (all held open while choosing, so none repeats)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((_HOST, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _ray_command() -> list[str]:
    # The `ray` script of this interpreter's environment, so the head runs the same Ray and Python.
    script = Path(sys.executable).parent / "ray"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from ray.scripts.scripts import main; sys.exit(main())"]


@contextmanager
def ray_head(temp_dir: Path, *, num_cpus: int = 2, start_timeout: float = 120.0) -> Iterator[RayHead]:
    """Start a Ray head with the dashboard on loopback; stop it and everything it started on exit.

    Args:
        temp_dir: A fresh folder of this run only; Ray's session files go there, and the final sweep
            kills processes by it, so it must not be shared.
        num_cpus: CPUs the head offers.
        start_timeout: Seconds to wait for the dashboard to answer.

    Raises:
        RuntimeError: The head exited or did not come up in time (the message holds its log's tail).
    """
    ports = dict(zip(_PORT_FLAGS, free_ports(len(_PORT_FLAGS)), strict=True))
    ray_tmp = temp_dir / "ray"
    ray_tmp.mkdir(parents=True, exist_ok=True)
    log_path = temp_dir / "ray-head.log"
    command = [
        *_ray_command(),
        "start",
        "--head",
        "--block",
        f"--num-cpus={num_cpus}",
        "--include-dashboard=true",
        f"--dashboard-host={_HOST}",
        f"--temp-dir={ray_tmp}",
        "--disable-usage-stats",
        *(f"{flag}={port}" for flag, port in ports.items()),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    head = RayHead(ports["--port"], ports["--dashboard-port"], ports["--node-manager-port"], ray_tmp, process)
    try:
        _wait_until_up(head, log_path, start_timeout)
        yield head
    finally:
        stop_head(head)


def _wait_until_up(head: RayHead, log_path: Path, timeout: float) -> None:
    # The dashboard answers before the raylet starts, so wait for both: the node is usable only then.
    deadline = time.monotonic() + timeout
    while True:
        if head.process.poll() is not None:
            raise RuntimeError(f"`ray start` exited with {head.process.returncode}:\n{_tail(log_path)}")
        if _dashboard_answers(head) and _port_accepts(head.node_manager_port):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the Ray head did not come up within {timeout:g} s:\n{_tail(log_path)}")
        time.sleep(0.2)


def _dashboard_answers(head: RayHead) -> bool:
    try:
        with urllib.request.urlopen(f"{head.dashboard_url}/api/version", timeout=2):
            return True
    except urllib.error.HTTPError as exc:
        # Token authentication is on; Ray's own clients send the token, so this answer means "up".
        return exc.code in (401, 403)
    except (urllib.error.URLError, OSError):
        return False  # not listening yet




def _port_accepts(port: int) -> bool:
    try:
        with socket.create_connection((_HOST, port), timeout=1):
            return True
    except OSError:
        return False


def stop_head(head: RayHead, *, grace: float = 20.0) -> list[int]:
    """Stop the head and every process it started; return the pids the final sweep had to kill."""
    process = head.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the group is ours: start_new_session made it
            process.wait(timeout=10)
    return _kill_leftovers(head.temp_dir)


def _kill_leftovers(temp_dir: Path) -> list[int]:
    """SIGKILL processes of this user whose command line names ``temp_dir`` (unique to this head)."""
    marker = str(temp_dir).encode()
    killed: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if entry.stat().st_uid != os.getuid() or marker not in (entry / "cmdline").read_bytes():
                continue
            os.kill(int(entry.name), signal.SIGKILL)
            killed.append(int(entry.name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue  # it ended meanwhile, or is not ours to look at
    return killed


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"

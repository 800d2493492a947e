"""The ``label-studio`` process of one data folder: started, found again, waited for, stopped.

The server outlives the command that started it, so it is found again through the
pid file it leaves in its data folder, and recognised by its command line (it names
``label-studio`` and the folder), so a recycled pid is never taken for it.  It leads
a process group of its own, which is what is stopped.  Also here: the environment
a ``label-studio`` command starts from, the host's ports, and a lock between processes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from ..errors import LabelStudioError, LabelStudioUnavailable, PortBusy

__all__ = [
    "DEFAULT_HOST",
    "PID_FILE",
    "LOG_FILE",
    "ServerProcess",
    "running_record",
    "probe_version",
    "isolated_env",
    "free_port",
    "port_in_use",
    "locked",
]

#: Loopback: the local server is never reachable from another machine.
DEFAULT_HOST = "127.0.0.1"
PID_FILE = "annotator-server.json"
LOG_FILE = "annotator-server.log"

# Label Studio reads every setting X from LABEL_STUDIO_X, HEARTEX_X *and plain X*,
# so stray variables such as CI, DEBUG, HOST, PORT or USERNAME would change it.
# The server gets these from our environment and nothing else.
_PASSED_THROUGH = ("HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "SSL_CERT_FILE")
_QUIET_ENV = {
    # no outbound calls: error reports, version check, usage analytics
    "SENTRY_DSN": "",
    "FRONTEND_SENTRY_DSN": "",
    "LATEST_VERSION_CHECK": "false",
    "COLLECT_ANALYTICS": "false",
    "FEATURE_FLAGS_OFFLINE": "true",
    # our own webhook receiver listens on loopback
    "USE_DEFAULT_BANNED_SUBNETS": "false",
    # legacy "Authorization: Token ..." keys are off by default since 1.23
    "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
    # logins come only from the desk (`annotator annotators add` signs up through the
    # invite link): anyone reaching the sign-up page could otherwise read everything
    "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    "PYTHONUNBUFFERED": "1",
}


def isolated_env(bin_dir: Path) -> dict[str, str]:
    """The environment a ``label-studio`` command starts from: only what it must see
    of ours, the commands of ``bin_dir`` first on the PATH, and no outbound calls."""
    env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    env["PATH"] = os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"])
    env.update(_QUIET_ENV)
    return env


class ServerProcess:
    """The ``label-studio`` process serving ``data_dir`` at ``host:port``."""

    def __init__(self, data_dir: Path, host: str, port: int):
        self.data_dir = data_dir
        self.host = host
        self.port = port
        #: the process, when this object started it (else only its pid is known)
        self._child: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILE

    def record(self) -> dict | None:
        """The pid file's record if that process is alive and is our server for this folder."""
        return running_record(self.data_dir)

    def forget(self) -> None:
        """Remove the pid file (a stale one, or that of a server just stopped)."""
        (self.data_dir / PID_FILE).unlink(missing_ok=True)

    def spawn(self, command: list[str], env: dict[str, str]) -> int:
        """Start ``command`` in its own session, its output appended to the log; its pid."""
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
            log.flush()
            self._child = subprocess.Popen(
                command,
                cwd=self.data_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, survives our exit
            )
        record = {
            "pid": self._child.pid,
            "host": self.host,
            "port": self.port,
            "started_at": time.time(),
        }
        (self.data_dir / PID_FILE).write_text(json.dumps(record), encoding="utf-8")
        return self._child.pid

    def wait_healthy(self, pid: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while True:
                if not _alive(pid):
                    self._raise_exited(pid)
                with contextlib.suppress(httpx.HTTPError):
                    if client.get("/health").status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise LabelStudioUnavailable(
                        f"Label Studio did not answer {self.url}/health within {timeout:.0f} s; "
                        f"see {self.log_path}",
                        {"log": _tail(self.log_path)},
                    )
                time.sleep(0.25)

    def _raise_exited(self, pid: int) -> None:
        code = self._child.poll() if self._child and self._child.pid == pid else None
        tail = _tail(self.log_path)
        if any("port is already in use" in line for line in tail):
            raise PortBusy(
                self.host, self.port, "another process (it took the port while we started)"
            )
        raise LabelStudioUnavailable(
            f"Label Studio exited during start (exit code {code}); see {self.log_path}",
            {"log": tail},
        )

    def stop(self, pid: int, timeout: float) -> None:
        """SIGTERM to the process group, SIGKILL after ``timeout``."""
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)  # the server leads its own group (start_new_session)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self._child is not None and self._child.pid == pid:
                    # Our own child: reap it, or it lingers as a zombie.
                    if self._child.poll() is not None:
                        return
                elif not _alive(pid):
                    return
                time.sleep(0.1)
        raise LabelStudioError(f"Label Studio (pid {pid}) survived SIGKILL")


def running_record(data_dir: Path) -> dict | None:
    """The pid file's record in ``data_dir`` if that process is alive and is our server for it."""
    try:
        record = json.loads((data_dir / PID_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not _serves(record.get("pid"), data_dir):
        return None
    return record


def _serves(pid: int | None, data_dir: Path) -> bool:
    if not pid or not _alive(pid):
        return False
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    args = [arg.decode(errors="replace") for arg in argv]
    return any(arg.endswith("label-studio") for arg in args) and str(data_dir) in args


def probe_version(url: str, timeout: float = 5.0) -> str | None:
    """The release of the Label Studio answering at ``url``; None if none answers."""
    try:
        response = httpx.get(f"{url}/api/version", timeout=timeout)
        return response.json().get("release") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


def free_port(host: str = DEFAULT_HOST) -> int:
    """A port nobody listens on now (it may be taken by the time it is used)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_in_use(host: str, port: int) -> bool:
    """True if something listens on host:port, or the port cannot be bound there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        if sock.connect_ex((host, port)) == 0:
            return True
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as runserver does
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def _alive(pid: int) -> bool:
    """True while any thread of the process runs; a fully exited zombie counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # After SIGTERM the group leader turns zombie before its other threads are gone.
    for task in Path(f"/proc/{pid}/task").glob("*/stat"):
        with contextlib.suppress(OSError):
            if task.read_text().rsplit(")", 1)[1].split()[0] != "Z":
                return True
    return False


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` between processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(path: Path, lines: int = 20) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except FileNotFoundError:
        return []

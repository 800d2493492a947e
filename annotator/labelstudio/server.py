"""One local Label Studio server, started and stopped without questions.

Label Studio (1.23.x) lives in a virtual environment of its own,
``<repo>/.venv-labelstudio``: it pins Django, pyarrow<25, python-dateutil<3 and
some eighty other packages that must not leak into the service's environment.
This module only runs its ``label-studio`` command and talks HTTP to it.

A *data folder* holds everything of one server::

    <data folder>/
      label_studio.sqlite3        Label Studio's database (SQLite)
      media/ export/ .env         Label Studio's own files (.env keeps its SECRET_KEY)
      annotator-credentials.json  admin e-mail, password and API token (0600)
      annotator-server.json       pid, host and port of the running server
      annotator-server.log        the server's stdout and stderr
      annotator-server.lock       serialises up()/down() between processes

The first start on an empty folder runs Label Studio's migrations (30-45 s);
a restart takes ~4 s.  :func:`ensure_template` migrates once into a cached
template folder and :func:`clone_template` copies it, so a test session starts
a fresh server in seconds::

    server = LocalLabelStudio(tmp_dir, port=free_port(), template=ensure_template())
    status = server.up()          # ServerStatus(url=..., token=..., ...)
    server.create_user("ann@example.org", "a-long-password")
    server.down()

Its errors (:class:`~annotator.errors.LabelStudioError` and subclasses) are in
:mod:`annotator.errors`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import html as html_lib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from ..config import REPO_ROOT
from ..errors import (
    AlreadyRunning,
    LabelStudioError,
    LabelStudioUnavailable,
    LoginRefused,
    PortBusy,
    UserRejected,
)

__all__ = [
    "LocalLabelStudio",
    "ServerStatus",
    "Credentials",
    "AnnotatorUser",
    "DEFAULT_DATA_DIR",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEFAULT_ADMIN_EMAIL",
    "find_executable",
    "installed_version",
    "default_template_dir",
    "ensure_template",
    "clone_template",
    "free_port",
    "port_in_use",
]

DEFAULT_DATA_DIR = REPO_ROOT / "var" / "labelstudio"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_ADMIN_EMAIL = "admin@annotator.local"
#: Where :func:`find_executable` looks first; then the repo's own venv, then PATH.
EXECUTABLE_ENV = "ANNOTATOR_LABEL_STUDIO_BIN"
INSTALL_HINT = (
    "python3 -m venv .venv-labelstudio && .venv-labelstudio/bin/pip install label-studio==1.23.2"
)

DATABASE_FILE = "label_studio.sqlite3"
CREDENTIALS_FILE = "annotator-credentials.json"
PID_FILE = "annotator-server.json"
LOG_FILE = "annotator-server.log"
LOCK_FILE = "annotator-server.lock"
# Never copied from a template: they belong to one server run, or (.env holds
# Label Studio's SECRET_KEY) to one installation.
_NOT_CLONED = (PID_FILE, LOG_FILE, LOCK_FILE, ".env", "*-journal", "*-wal", "*-shm")

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
    "PYTHONUNBUFFERED": "1",
}


@dataclasses.dataclass(frozen=True)
class Credentials:
    """The admin account Label Studio is set up with, kept in the data folder."""

    email: str
    password: str
    token: str

    @classmethod
    def generate(cls, email: str = DEFAULT_ADMIN_EMAIL) -> Credentials:
        # DRF tokens are 40 characters; Label Studio keeps only tokens longer than 5.
        return cls(email=email, password=secrets.token_urlsafe(18), token=secrets.token_hex(20))

    @classmethod
    def load(cls, path: Path) -> Credentials | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return cls(email=data["email"], password=data["password"], token=data["token"])

    def save(self, path: Path) -> None:
        """Write the file readable by its owner only, atomically."""
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(dataclasses.asdict(self), out, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)


@dataclasses.dataclass(frozen=True)
class ServerStatus:
    """What :meth:`LocalLabelStudio.status` and :meth:`~LocalLabelStudio.up` report."""

    running: bool
    url: str
    data_dir: Path
    log_path: Path
    pid: int | None = None
    version: str | None = None
    admin_email: str | None = None
    token: str | None = dataclasses.field(default=None, repr=False)

    def headers(self) -> dict[str, str]:
        """HTTP headers that authenticate as the admin (legacy token)."""
        return {"Authorization": f"Token {self.token}"}


@dataclasses.dataclass(frozen=True)
class AnnotatorUser:
    """A Label Studio user that can log in with a password."""

    id: int
    email: str


def find_executable() -> Path:
    """The ``label-studio`` command: $ANNOTATOR_LABEL_STUDIO_BIN, the repo's venv, or PATH."""
    candidates = [os.environ.get(EXECUTABLE_ENV), REPO_ROOT / ".venv-labelstudio/bin/label-studio"]
    candidates.append(shutil.which("label-studio"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise LabelStudioUnavailable(
        f"Label Studio is not installed: run `{INSTALL_HINT}` in {REPO_ROOT} "
        f"(or point {EXECUTABLE_ENV} at a label-studio command)"
    )


def installed_version(executable: Path | None = None) -> str:
    """Label Studio's version, read from its venv's package metadata (no start-up)."""
    executable = Path(executable or find_executable())
    venv = (
        executable.resolve().parent.parent if executable.is_symlink() else executable.parent.parent
    )
    for dist_info in sorted(venv.glob("lib/python*/site-packages/label_studio-*.dist-info")):
        return dist_info.name[len("label_studio-") : -len(".dist-info")]
    raise LabelStudioUnavailable(f"cannot tell Label Studio's version: no metadata under {venv}")


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


def default_template_dir(version: str | None = None) -> Path:
    """``<repo>/var/cache/labelstudio-template-<version>``."""
    return REPO_ROOT / "var" / "cache" / f"labelstudio-template-{version or installed_version()}"


def ensure_template(
    template_dir: Path | None = None,
    *,
    executable: Path | None = None,
    timeout: float = 300.0,
) -> Path:
    """A migrated, stopped data folder to clone; built once (under a lock) if missing.

    The template is built in a sibling folder and renamed into place, so a
    template folder that exists is always complete.
    """
    template_dir = Path(template_dir or default_template_dir(installed_version(executable)))
    template_dir.parent.mkdir(parents=True, exist_ok=True)
    with _locked(template_dir.with_name(template_dir.name + ".lock")):
        if _is_template(template_dir):
            return template_dir
        building = template_dir.with_name(f"{template_dir.name}.building-{os.getpid()}")
        shutil.rmtree(building, ignore_errors=True)
        server = LocalLabelStudio(building, port=free_port(), executable=executable)
        try:
            server.up(timeout=timeout)
        finally:
            server.down()
        for name in (PID_FILE, LOCK_FILE):
            (building / name).unlink(missing_ok=True)
        shutil.rmtree(template_dir, ignore_errors=True)  # a half-made one from a crash
        os.rename(building, template_dir)
    return template_dir


def clone_template(template_dir: Path, target_dir: Path) -> Path:
    """Copy a stopped template into ``target_dir``, which must hold no database yet."""
    template_dir, target_dir = Path(template_dir), Path(target_dir)
    if not _is_template(template_dir):
        raise LabelStudioError(
            f"{template_dir} is not a Label Studio template (no {DATABASE_FILE} or "
            f"{CREDENTIALS_FILE}); build one with ensure_template()"
        )
    if LocalLabelStudio(template_dir)._running_record() is not None:  # running or starting
        raise AlreadyRunning(
            f"a server is running on the template {template_dir}: stop it before copying, "
            f"a live SQLite file does not copy safely"
        )
    if (target_dir / DATABASE_FILE).exists():
        raise AlreadyRunning(f"{target_dir} already holds a Label Studio database; not overwritten")
    shutil.copytree(
        template_dir, target_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_NOT_CLONED)
    )
    os.chmod(target_dir / CREDENTIALS_FILE, 0o600)
    return target_dir


class LocalLabelStudio:
    """Manage one local Label Studio server on one data folder.

    ``template`` (a folder from :func:`ensure_template`) is copied into an
    empty data folder before the first start, skipping the migrations.
    ``extra_env`` adds settings to the server's environment (e.g. ``DJANGO_DB``).
    """

    def __init__(
        self,
        data_dir: Path | str = DEFAULT_DATA_DIR,
        *,
        port: int = DEFAULT_PORT,
        host: str = DEFAULT_HOST,
        admin_email: str = DEFAULT_ADMIN_EMAIL,
        template: Path | str | None = None,
        executable: Path | str | None = None,
        extra_env: Mapping[str, str] | None = None,
    ):
        self.data_dir = Path(data_dir).resolve()
        self.port = int(port)
        self.host = host
        self.admin_email = admin_email
        self.template = Path(template) if template else None
        self._executable = Path(executable) if executable else None
        self.extra_env = dict(extra_env or {})
        self._proc: subprocess.Popen | None = None

    def __repr__(self) -> str:
        return f"LocalLabelStudio({str(self.data_dir)!r}, port={self.port})"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / LOG_FILE

    @property
    def executable(self) -> Path:
        return self._executable or find_executable()

    def credentials(self) -> Credentials:
        """The admin credentials of this data folder, generated and saved on first use."""
        path = self.data_dir / CREDENTIALS_FILE
        credentials = Credentials.load(path)
        if credentials is None:
            _make_private_dir(self.data_dir)
            credentials = Credentials.generate(self.admin_email)
            credentials.save(path)
        return credentials

    # -- lifecycle -----------------------------------------------------------------

    def status(self) -> ServerStatus:
        """Whether our server runs on this data folder; starts and writes nothing.

        A ``pid`` with ``running=False`` means the server is still starting.
        """
        record = self._running_record()
        credentials = Credentials.load(self.data_dir / CREDENTIALS_FILE)
        url = f"http://{record['host']}:{record['port']}" if record else self.url
        version = self._version(url) if record else None
        return ServerStatus(
            running=record is not None and version is not None,
            url=url,
            data_dir=self.data_dir,
            log_path=self.log_path,
            pid=record["pid"] if record else None,
            version=version,
            admin_email=credentials.email if credentials else None,
            token=credentials.token if credentials else None,
        )

    def up(self, *, timeout: float = 240.0) -> ServerStatus:
        """Start the server (or find it running) and return its status.

        Refuses with :class:`PortBusy` if something else holds the port: checked
        before starting, because Label Studio would quietly take another port.
        """
        _make_private_dir(self.data_dir)
        with _locked(self.data_dir / LOCK_FILE):
            record = self._running_record()
            if record is not None:
                if (record["host"], record["port"]) != (self.host, self.port):
                    raise AlreadyRunning(
                        f"{self.data_dir} is already served at http://{record['host']}:"
                        f"{record['port']} (pid {record['pid']}); call down() first"
                    )
                self._wait_healthy(record["pid"], timeout)
                return self._verified_status(record["pid"])
            (self.data_dir / PID_FILE).unlink(missing_ok=True)  # stale
            if port_in_use(self.host, self.port):
                raise PortBusy(self.host, self.port, self._port_holder())
            if self.template and not (self.data_dir / DATABASE_FILE).exists():
                clone_template(
                    ensure_template(self.template, executable=self._executable), self.data_dir
                )
            pid = self._spawn(self.credentials())
            try:
                self._wait_healthy(pid, timeout)
                return self._verified_status(pid)
            except BaseException:
                self._stop(pid, 10.0)
                (self.data_dir / PID_FILE).unlink(missing_ok=True)
                raise

    def down(self, *, timeout: float = 15.0) -> bool:
        """Stop the server: SIGTERM to its process group, SIGKILL after ``timeout``.

        Returns whether a server was running.  Safe to call when none is.
        """
        if not self.data_dir.exists():
            return False
        with _locked(self.data_dir / LOCK_FILE):
            record = self._running_record()
            if record is not None:
                self._stop(record["pid"], timeout)
            (self.data_dir / PID_FILE).unlink(missing_ok=True)
            return record is not None

    # -- users -----------------------------------------------------------------------

    def create_user(
        self, email: str, password: str, *, first_name: str = "", last_name: str = ""
    ) -> AnnotatorUser:
        """Make a user who can log in to the UI with ``password``; the server must run.

        New users sign up through the organisation's invite link (the API's user
        creation ignores passwords).  For an existing e-mail the password is
        reset with ``label-studio reset_password``.  The login is then checked.
        """
        status = self._require_running()
        with httpx.Client(base_url=status.url, headers=status.headers(), timeout=30) as api:
            existing = self._find_user(api, email)
            if existing is None:
                self._sign_up(api, email, password)
                existing = self._find_user(api, email)
                if existing is None:
                    raise LabelStudioError(
                        f"signed up {email}, but Label Studio does not list them"
                    )
            else:
                self._reset_password(existing["email"], password)
            if first_name or last_name:
                response = api.patch(
                    f"/api/users/{existing['id']}/",
                    json={"first_name": first_name, "last_name": last_name},
                )
                _expect(response, 200, f"naming user {email}")
        self.login(existing["email"], password).close()
        return AnnotatorUser(id=existing["id"], email=existing["email"])

    def login(self, email: str, password: str) -> httpx.Client:
        """An HTTP client logged in through the login form, as a browser would be.

        The client is already in use: close it with ``.close()``, not ``with``.
        """
        client = httpx.Client(base_url=self._require_running().url, timeout=30)
        try:
            page = client.get("/user/login/")
            _expect(page, 200, "opening the login page")
            response = client.post(
                "/user/login/",
                data={
                    "email": email,
                    "password": password,
                    "csrfmiddlewaretoken": _csrf_token(page),
                },
                headers={"Referer": f"{client.base_url}user/login/"},
            )
            whoami = client.get("/api/current-user/whoami")
            if response.status_code != 302 or whoami.status_code != 200:
                raise LoginRefused(
                    f"{email} cannot log in to {client.base_url}: "
                    + (_form_errors(response.text) or f"HTTP {response.status_code}")
                )
        except BaseException:
            client.close()
            raise
        return client

    # -- internals ------------------------------------------------------------------

    def _server_env(self, credentials: Credentials) -> dict[str, str]:
        env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
        env["PATH"] = os.pathsep.join(
            [str(self.executable.parent), "/usr/local/bin", "/usr/bin", "/bin"]
        )
        env.update(_QUIET_ENV)
        env.update(
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            DJANGO_DB="sqlite",
            LABEL_STUDIO_USERNAME=credentials.email,
            LABEL_STUDIO_PASSWORD=credentials.password,
            LABEL_STUDIO_USER_TOKEN=credentials.token,
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, credentials: Credentials) -> int:
        command = [
            str(self.executable),
            "start",
            "--no-browser",
            "--data-dir", str(self.data_dir),
            "--internal-host", self.host,  # Label Studio's default is 0.0.0.0
            "--port", str(self.port),
            # In 1.23 --debug only turns off the hunt for a free port: a busy port
            # then fails the start ("That port is already in use") instead of
            # moving the server somewhere nobody looks.
            "--debug",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                command,
                cwd=self.data_dir,
                env=self._server_env(credentials),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, survives our exit
            )
        record = {
            "pid": self._proc.pid,
            "host": self.host,
            "port": self.port,
            "started_at": time.time(),
        }
        (self.data_dir / PID_FILE).write_text(json.dumps(record), encoding="utf-8")
        return self._proc.pid

    def _running_record(self) -> dict | None:
        """The pid file's record if that process is alive and is our server for this folder."""
        try:
            record = json.loads((self.data_dir / PID_FILE).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None
        if not self._is_our_process(record.get("pid")):
            return None
        return record

    def _is_our_process(self, pid: int | None) -> bool:
        if not pid or not _alive(pid):
            return False
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        args = [arg.decode(errors="replace") for arg in argv]
        return any(arg.endswith("label-studio") for arg in args) and str(self.data_dir) in args

    def _wait_healthy(self, pid: int, timeout: float) -> None:
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
        code = self._proc.poll() if self._proc and self._proc.pid == pid else None
        tail = _tail(self.log_path)
        if any("port is already in use" in line for line in tail):
            raise PortBusy(
                self.host, self.port, "another process (it took the port while we started)"
            )
        raise LabelStudioUnavailable(
            f"Label Studio exited during start (exit code {code}); see {self.log_path}",
            {"log": tail},
        )

    def _verified_status(self, pid: int) -> ServerStatus:
        """Status of the running server, after checking its admin token with a real request."""
        credentials = self.credentials()
        headers = {"Authorization": f"Token {credentials.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as client:
            whoami = client.get("/api/current-user/whoami")
            if whoami.status_code != 200 or whoami.json().get("email") != credentials.email:
                raise LabelStudioError(
                    f"Label Studio at {self.url} does not accept the admin token from "
                    f"{self.data_dir / CREDENTIALS_FILE} (HTTP {whoami.status_code}): the database was "
                    f"set up with other credentials; restore that file or start on an empty data folder",
                    {"whoami": [whoami.text[:300]]},
                )
            version = client.get("/api/version").json().get("release")
        return ServerStatus(
            running=True,
            url=self.url,
            data_dir=self.data_dir,
            log_path=self.log_path,
            pid=pid,
            version=version,
            admin_email=credentials.email,
            token=credentials.token,
        )

    def _stop(self, pid: int, timeout: float) -> None:
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, sig)  # the server leads its own group (start_new_session)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self._proc is not None and self._proc.pid == pid:
                    # Our own child: reap it, or it lingers as a zombie.
                    if self._proc.poll() is not None:
                        return
                elif not _alive(pid):
                    return
                time.sleep(0.1)
        raise LabelStudioError(f"Label Studio (pid {pid}) survived SIGKILL")

    def _version(self, url: str, timeout: float = 5.0) -> str | None:
        try:
            response = httpx.get(f"{url}/api/version", timeout=timeout)
            return response.json().get("release") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def _port_holder(self) -> str:
        # short: a squatter that accepts and never answers must not stall the refusal
        version = self._version(f"http://{self.host}:{self.port}", timeout=1.0)
        if version:
            return f"another Label Studio ({version}), not ours for {self.data_dir}"
        return "a process that is not Label Studio"

    def _require_running(self) -> ServerStatus:
        status = self.status()
        if not status.running:
            raise LabelStudioUnavailable(
                f"no Label Studio server runs on {self.data_dir}; call up() first"
            )
        return status

    @staticmethod
    def _find_user(api: httpx.Client, email: str) -> dict | None:
        response = api.get("/api/users/")
        _expect(response, 200, "listing users")
        wanted = email.strip().lower()
        return next((u for u in response.json() if u["email"].lower() == wanted), None)

    @staticmethod
    def _sign_up(api: httpx.Client, email: str, password: str) -> None:
        invite = api.get("/api/invite")
        _expect(invite, 200, "reading the invite link")
        signup_url = invite.json()["invite_url"]
        # A separate, cookie-less client: the sign-up logs the new user in.
        with httpx.Client(base_url=api.base_url, timeout=30) as browser:
            page = browser.get(signup_url)
            _expect(page, 200, "opening the sign-up page")
            response = browser.post(
                signup_url,
                data={
                    "email": email,
                    "password": password,
                    "csrfmiddlewaretoken": _csrf_token(page),
                },
                headers={"Referer": f"{api.base_url}user/signup/"},
            )
        if response.status_code != 302:
            errors = _form_errors(response.text)
            raise UserRejected(
                f"Label Studio refused to create {email}: {errors or f'HTTP {response.status_code}'}",
                {email: [errors or f"HTTP {response.status_code}"]},
            )

    def _reset_password(self, email: str, password: str) -> None:
        result = subprocess.run(
            [str(self.executable), "reset_password", "--username", email, "--password", password],
            cwd=self.data_dir,
            env=self._server_env(self.credentials()),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        said = result.stdout.strip().splitlines()[-1:] or [result.stderr.strip()[-300:]]
        if result.returncode != 0 or not any(
            phrase in said[0] for phrase in ("successfully changed", "same as current")
        ):
            raise LabelStudioError(f"label-studio reset_password failed for {email}: {said[0]}")


def _make_private_dir(folder: Path) -> None:
    # The SQLite file holds the admin token and password hashes.
    if not folder.exists():
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)


def _is_template(folder: Path) -> bool:
    return (folder / DATABASE_FILE).is_file() and (folder / CREDENTIALS_FILE).is_file()


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
def _locked(path: Path) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` between processes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _expect(response: httpx.Response, status: int, doing: str) -> None:
    if response.status_code != status:
        raise LabelStudioError(
            f"Label Studio answered HTTP {response.status_code} when {doing}",
            {str(response.request.url): [response.text[:300]]},
        )


def _csrf_token(page: httpx.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if match:
        return match.group(1)
    token = page.cookies.get("csrftoken")
    if not token:
        raise LabelStudioError(f"no CSRF token on {page.request.url}")
    return token


def _form_errors(html: str) -> str:
    """The messages a Django form page shows, joined; '' if none."""
    items = re.findall(r'<ul class="[^"]*errors?[^"]*">(.*?)</ul>', html, flags=re.S)
    messages = [m for block in items for m in re.findall(r"<li>(.*?)</li>", block, re.S)]
    messages += re.findall(r'<p class="error">(.*?)</p>', html, flags=re.S)  # the login form's
    return "; ".join(dict.fromkeys(html_lib.unescape(m.strip()) for m in messages))


def _tail(path: Path, lines: int = 20) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    except FileNotFoundError:
        return []

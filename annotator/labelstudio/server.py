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

:mod:`~annotator.labelstudio.process` runs and supervises the ``label-studio``
process (its environment, pid file, health check, stop; ports and locks), and
:mod:`~annotator.labelstudio.accounts` keeps the admin's credentials and makes
users through the web forms.  What is left here (finding the installation, the
template, the server's lifecycle) is one module on purpose, a little over 400
lines: each part needs the others, since a template is made by starting a server,
a server starts by cloning a template, and both find the installed command.

Its errors (:class:`~annotator.errors.LabelStudioError` and subclasses) are in
:mod:`annotator.errors`.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import httpx

from ..config import REPO_ROOT
from ..errors import AlreadyRunning, LabelStudioError, LabelStudioUnavailable, PortBusy
from . import accounts
from .accounts import DEFAULT_ADMIN_EMAIL, AnnotatorUser, Credentials
from .process import (
    DEFAULT_HOST,
    LOG_FILE,
    PID_FILE,
    ServerProcess,
    free_port,
    isolated_env,
    locked,
    port_in_use,
    probe_version,
    running_record,
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
DEFAULT_PORT = 8080
#: Where :func:`find_executable` looks first; then the repo's own venv, then PATH.
EXECUTABLE_ENV = "ANNOTATOR_LABEL_STUDIO_BIN"
INSTALL_HINT = (
    "python3 -m venv .venv-labelstudio && .venv-labelstudio/bin/pip install label-studio==1.23.2"
)

DATABASE_FILE = "label_studio.sqlite3"
CREDENTIALS_FILE = "annotator-credentials.json"
LOCK_FILE = "annotator-server.lock"
# Never copied from a template: they belong to one server run, or (.env holds
# Label Studio's SECRET_KEY) to one installation.
_NOT_CLONED = (PID_FILE, LOG_FILE, LOCK_FILE, ".env", "*-journal", "*-wal", "*-shm")


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
    with locked(template_dir.with_name(template_dir.name + ".lock")):
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
    if running_record(template_dir.resolve()) is not None:  # running or starting
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
        self._process = ServerProcess(self.data_dir, self.host, self.port)

    def __repr__(self) -> str:
        return f"LocalLabelStudio({str(self.data_dir)!r}, port={self.port})"

    @property
    def url(self) -> str:
        return self._process.url

    @property
    def log_path(self) -> Path:
        return self._process.log_path

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
        record = self._process.record()
        credentials = Credentials.load(self.data_dir / CREDENTIALS_FILE)
        url = f"http://{record['host']}:{record['port']}" if record else self.url
        version = probe_version(url) if record else None
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
        with locked(self.data_dir / LOCK_FILE):
            record = self._process.record()
            if record is not None:
                if (record["host"], record["port"]) != (self.host, self.port):
                    raise AlreadyRunning(
                        f"{self.data_dir} is already served at http://{record['host']}:"
                        f"{record['port']} (pid {record['pid']}); call down() first"
                    )
                self._process.wait_healthy(record["pid"], timeout)
                return self._verified_status(record["pid"])
            self._process.forget()  # stale
            if port_in_use(self.host, self.port):
                raise PortBusy(self.host, self.port, self._port_holder())
            if self.template and not (self.data_dir / DATABASE_FILE).exists():
                clone_template(
                    ensure_template(self.template, executable=self._executable), self.data_dir
                )
            credentials = self.credentials()
            pid = self._process.spawn(self._command(), self._server_env(credentials))
            try:
                self._process.wait_healthy(pid, timeout)
                return self._verified_status(pid)
            except BaseException:
                self._process.stop(pid, 10.0)
                self._process.forget()
                raise

    def down(self, *, timeout: float = 15.0) -> bool:
        """Stop the server: SIGTERM to its process group, SIGKILL after ``timeout``.

        Returns whether a server was running.  Safe to call when none is.
        """
        if not self.data_dir.exists():
            return False
        with locked(self.data_dir / LOCK_FILE):
            record = self._process.record()
            if record is not None:
                self._process.stop(record["pid"], timeout)
            self._process.forget()
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
        user = accounts.create_user(
            status.url,
            status.headers(),
            email,
            password,
            first_name=first_name,
            last_name=last_name,
            reset_password=self._reset_password,
        )
        self.login(user.email, password).close()
        return user

    def login(self, email: str, password: str) -> httpx.Client:
        """An HTTP client logged in through the login form, as a browser would be.

        The client is already in use: close it with ``.close()``, not ``with``.
        """
        return accounts.login(self._require_running().url, email, password)

    # -- internals ------------------------------------------------------------------

    def _server_env(self, credentials: Credentials) -> dict[str, str]:
        env = isolated_env(self.executable.parent)
        env.update(
            LABEL_STUDIO_BASE_DATA_DIR=str(self.data_dir),
            DJANGO_DB="sqlite",
            LABEL_STUDIO_USERNAME=credentials.email,
            LABEL_STUDIO_PASSWORD=credentials.password,
            LABEL_STUDIO_USER_TOKEN=credentials.token,
        )
        env.update(self.extra_env)
        return env

    def _command(self) -> list[str]:
        return [
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

    def _port_holder(self) -> str:
        # short: a squatter that accepts and never answers must not stall the refusal
        version = probe_version(f"http://{self.host}:{self.port}", timeout=1.0)
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

"""Settings: embedded defaults, overridden by ``config/settings.yaml``, overridden by
the environment.

=============================  ===================================  ==========================================
Environment variable           Default                              Meaning
=============================  ===================================  ==========================================
``ANNOTATOR_CONFIG_DIR``       ``<repo>/config``                    folder with settings.yaml and the rule files
``ANNOTATOR_DATABASE_URL``     ``sqlite:///<repo>/var/annotator.db``  SQLAlchemy URL of the store
``ANNOTATOR_EXPORTS_DIR``      ``<repo>/exports``                   where reports are written
``ANNOTATOR_SEEDS_DIR``        ``<repo>/seeds``                     the seed articles and claim catalogue
``ANNOTATOR_HOST``             ``127.0.0.1``                        address the service listens on
``ANNOTATOR_PORT``             ``5000``                             port the service listens on
``ANNOTATOR_MAX_UPLOAD_BYTES`` ``5000000``                          largest article or catalogue file accepted
``ANNOTATOR_FUZZY_THRESHOLD``  ``90``                               least rapidfuzz score (0-100) for a fuzzy quote match
``ANNOTATOR_PAGE_SIZE``        ``50``                               default page size of API lists
``ANNOTATOR_MAX_PAGE_SIZE``    ``500``                              largest page size a client may ask for
``ANNOTATOR_LABEL_STUDIO_URL`` (empty: the local server)            an existing Label Studio to use instead
``ANNOTATOR_LABEL_STUDIO_API_KEY`` (empty: the local server's)      its API key (legacy token or personal access token)
``ANNOTATOR_LABEL_STUDIO_PORT`` ``8080``                            port of the local Label Studio
``ANNOTATOR_LABEL_STUDIO_DATA_DIR`` ``<repo>/var/labelstudio``      data folder of the local Label Studio
``ANNOTATOR_LABEL_STUDIO_PROJECT`` ``claims``                       key of the project pushes go to
``ANNOTATOR_PUBLIC_URL``       ``http://<host>:<port>``             where Label Studio reaches this service (webhooks)
``ANNOTATOR_WEBHOOK_SECRET``   (generated into var/)                shared secret Label Studio sends with webhooks
``ANNOTATOR_SYNC_INTERVAL``    ``60``                               seconds between background syncs of ``serve`` (0: off)
``ANNOTATOR_REPORTS_PUBLIC``   ``false``                            let anyone read the reports and verdicts without logging in
``ANNOTATOR_ALLOWED_HOSTS``    (the public URL's host, and loopback) comma-separated Host headers the service answers
``ANNOTATOR_SECRET_KEY``       (generated into var/)                signs the browser session cookie
``ANNOTATOR_RATE_LIMIT_STORAGE`` ``memory://``                      where login attempts are counted (``redis://...`` for several workers)
``ANNOTATOR_ADMIN_EMAIL``      ``admin@localhost``                  the first admin, made by ``annotator run`` on an empty desk
``ANNOTATOR_ADMIN_PASSWORD``   (generated and printed once)         that admin's password
=============================  ===================================  ==========================================

The same keys, lower-case and without the ``ANNOTATOR_`` prefix, may be set in
``<config dir>/settings.yaml``.  The README repeats this table.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from .errors import InputError

__all__ = ["Settings", "REPO_ROOT", "load_settings"]

#: The checkout this package runs from; defaults for the working folders hang off it.
REPO_ROOT = Path(__file__).resolve().parent.parent

ENV_PREFIX = "ANNOTATOR_"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Every setting of the service, resolved and typed."""

    config_dir: Path
    database_url: str
    exports_dir: Path
    seeds_dir: Path
    host: str = "127.0.0.1"
    port: int = 5000
    max_upload_bytes: int = 5_000_000
    fuzzy_threshold: float = 90.0
    page_size: int = 50
    max_page_size: int = 500
    label_studio_url: str = ""
    label_studio_api_key: str = dataclasses.field(default="", repr=False)
    label_studio_port: int = 8080
    label_studio_data_dir: Path = REPO_ROOT / "var" / "labelstudio"
    label_studio_project: str = "claims"
    public_url: str = ""
    webhook_secret: str = dataclasses.field(default="", repr=False)
    sync_interval: float = 60.0
    reports_public: bool = False
    allowed_hosts: tuple[str, ...] = ()
    secret_key: str = dataclasses.field(default="", repr=False)
    rate_limit_storage: str = "memory://"
    admin_email: str = "admin@localhost"
    admin_password: str = dataclasses.field(default="", repr=False)

    @property
    def service_url(self) -> str:
        """Where Label Studio reaches this service: ``public_url``, else host and port."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def var_dir(self) -> Path:
        """The git-ignored working area for generated state."""
        return REPO_ROOT / "var"

    @property
    def migrations_dir(self) -> Path:
        return REPO_ROOT / "migrations"

    @property
    def trusted_hosts(self) -> list[str]:
        """Host headers answered: ``allowed_hosts``, else the public URL's host and, when
        the service is on loopback, the loopback names (DNS rebinding gets a 400).  On
        every interface (0.0.0.0) without a public URL: this machine's names too."""
        if self.allowed_hosts:
            return list(self.allowed_hosts)
        loopback = {"127.0.0.1", "localhost", "::1"}
        everywhere = self.host in ("0.0.0.0", "::")
        hosts = {urlsplit(self.service_url).hostname or self.host} - {"0.0.0.0", "::"}
        if everywhere and not self.public_url:
            hosts |= loopback | {socket.gethostname(), socket.getfqdn()}
        elif self.host in loopback or hosts & loopback:
            hosts |= loopback
        if not everywhere:
            hosts.add(self.host)
        return sorted(hosts)

    def session_secret(self) -> str:
        return self.secret_key or self.generated_secret("secret-key")

    def generated_secret(self, name: str) -> str:
        """A secret generated once into ``var/<name>`` (mode 0600) and read back after."""
        path = self.var_dir / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                pass
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_urlsafe(32))
        return path.read_text().strip()

    def rule_file(self, name: str) -> Path:
        """Path of a rule file (``furniture.yaml``, ...) in the config folder."""
        return self.config_dir / name


class _SettingsSchema(Schema):
    """Validates settings from the file and the environment alike."""

    class Meta:
        unknown = EXCLUDE

    config_dir = fields.String()
    database_url = fields.String(validate=validate.Length(min=1))
    exports_dir = fields.String()
    seeds_dir = fields.String()
    host = fields.String(validate=validate.Length(min=1))
    port = fields.Integer(validate=validate.Range(min=1, max=65535))
    max_upload_bytes = fields.Integer(validate=validate.Range(min=1))
    fuzzy_threshold = fields.Float(validate=validate.Range(min=0, max=100))
    page_size = fields.Integer(validate=validate.Range(min=1))
    max_page_size = fields.Integer(validate=validate.Range(min=1))
    label_studio_url = fields.String(validate=validate.Regexp(r"^(https?://.+)?$", error="must start with http:// or https://"))
    label_studio_api_key = fields.String()
    label_studio_port = fields.Integer(validate=validate.Range(min=1, max=65535))
    label_studio_data_dir = fields.String()
    label_studio_project = fields.String(validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,60}$", error="use lowercase letters, digits and hyphens"))
    public_url = fields.String(validate=validate.Regexp(r"^(https?://.+)?$", error="must start with http:// or https://"))
    webhook_secret = fields.String(validate=validate.Length(max=200))
    sync_interval = fields.Float(validate=validate.Range(min=0))
    reports_public = fields.Boolean()
    allowed_hosts = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9.:\[\]*_-]*(,\s*[A-Za-z0-9.:\[\]*_-]+)*$", error="comma-separated host names"))
    secret_key = fields.String(validate=validate.Length(max=500))
    rate_limit_storage = fields.String(validate=validate.Regexp(r"^(memory|redis|rediss|memcached)://", error="memory://, redis://host:port or memcached://..."))
    admin_email = fields.Email()
    admin_password = fields.String(validate=validate.Length(max=1024))


def _defaults() -> dict[str, Any]:
    return {
        "config_dir": str(REPO_ROOT / "config"),
        "database_url": f"sqlite:///{REPO_ROOT / 'var' / 'annotator.db'}",
        "exports_dir": str(REPO_ROOT / "exports"),
        "seeds_dir": str(REPO_ROOT / "seeds"),
        "label_studio_data_dir": str(REPO_ROOT / "var" / "labelstudio"),
    }


def _from_env(environ: Mapping[str, str]) -> dict[str, str]:
    names = _SettingsSchema().fields
    return {
        key[len(ENV_PREFIX):].lower(): value
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):].lower() in names
    }


def _from_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of setting names to values")
    unknown = sorted(set(data) - set(_SettingsSchema().fields))
    if unknown:
        raise InputError(
            f"{path}: unknown setting(s) {', '.join(unknown)}",
            {name: ["unknown setting: check the spelling against the README table"] for name in unknown},
        )
    return data


def load_settings(
    environ: Mapping[str, str] | None = None, **overrides: Any
) -> Settings:
    """Resolve the settings: defaults < settings.yaml < environment < ``overrides``."""
    environ = os.environ if environ is None else environ
    env = _from_env(environ)
    raw = _defaults()
    config_dir = Path(overrides.get("config_dir") or env.get("config_dir") or raw["config_dir"])
    raw.update(_from_file(config_dir / "settings.yaml"))
    raw.update(env)
    raw.update({k: str(v) if isinstance(v, Path) else v for k, v in overrides.items()})
    try:
        loaded = _SettingsSchema().load(raw)
    except ValidationError as exc:
        raise InputError(
            "invalid settings: fix the variables or settings.yaml keys named below",
            {key: list(msgs) for key, msgs in exc.normalized_messages().items()},
        ) from exc
    if loaded.get("page_size", 50) > loaded.get("max_page_size", 500):
        raise InputError("invalid settings: page_size is larger than max_page_size")
    for key in ("config_dir", "exports_dir", "seeds_dir", "label_studio_data_dir"):
        loaded[key] = Path(loaded[key])
    if "allowed_hosts" in loaded:
        loaded["allowed_hosts"] = tuple(h.strip() for h in loaded["allowed_hosts"].split(",") if h.strip())
    return Settings(**loaded)

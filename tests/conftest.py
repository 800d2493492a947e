"""Fixtures shared by the whole suite.

Store-backed tests run once on SQLite and once on the PostgreSQL server at
127.0.0.1:5432: each backend gets a database of its own for this run, migrated
once with the real migrations and dropped at the end; every test starts from
empty tables.

Tests that need Label Studio share one real server for the session, started
from a cached, migrated template (``var/cache/labelstudio-template-<version>``,
built on first use: Label Studio's migrations run once, ~30-45 s; every later
session copies it and starts in ~5 s).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from annotator import create_app
from annotator.db import make_engine, upgrade
from annotator.errors import LabelStudioUnavailable
from annotator.labelstudio.server import LocalLabelStudio, ensure_template, find_executable, free_port
from annotator.models import Base

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
PG_ADMIN_URL = os.environ.get(
    "ANNOTATOR_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 'annotator.db'}"


@pytest.fixture(scope="session")
def postgresql_url():
    name = f"annotator_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_URL} is needed for the store tests: {exc.orig}", pytrace=False
        )
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated(request):
    """Per backend, an engine on a database migrated once for this run."""
    engines: dict[str, sa.Engine] = {}

    def get(backend: str) -> tuple[str, sa.Engine]:
        url = request.getfixturevalue(f"{backend}_url")
        if backend not in engines:
            engines[backend] = make_engine(url)
            upgrade(engines[backend])
        return url, engines[backend]

    yield get
    for engine in engines.values():
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, migrated) -> str:
    """The URL of an empty, migrated store; the test runs once per backend."""
    url, engine = migrated(request.param)
    yield url
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        if engine.dialect.name == "postgresql":
            # Fresh ids for every test, as on SQLite.
            for table in Base.metadata.sorted_tables:
                if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                    connection.execute(
                        sa.text(f"ALTER SEQUENCE IF EXISTS {table.name}_id_seq RESTART WITH 1")
                    )


@pytest.fixture
def settings_env(database_url, tmp_path) -> dict[str, str]:
    """Environment variables that point the CLI at the test store."""
    return {
        "ANNOTATOR_DATABASE_URL": database_url,
        "ANNOTATOR_EXPORTS_DIR": str(tmp_path / "exports"),
    }


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app({"database_url": database_url, "exports_dir": tmp_path / "exports"})
    app.config.update(TESTING=True)
    yield app
    app.extensions["annotator.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(settings_env):
    """Invoke ``annotator ...`` against the test store: ``cli("ingest", path)``."""
    from annotator.cli import main

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], env=settings_env, catch_exceptions=False)

    return invoke


# -- Label Studio ---------------------------------------------------------------


@pytest.fixture(scope="session")
def labelstudio_template():
    """The migrated template folder, built if missing."""
    try:
        find_executable()
    except LabelStudioUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    return ensure_template()


@pytest.fixture(scope="session")
def labelstudio_server(tmp_path_factory, labelstudio_template):
    """The session's server object; stopped at the end of the session."""
    server = LocalLabelStudio(
        tmp_path_factory.mktemp("labelstudio"), port=free_port(), template=labelstudio_template
    )
    server.up()
    yield server
    server.down()


@pytest.fixture(scope="session")
def labelstudio(labelstudio_server):
    """The running server's :class:`ServerStatus`: ``url``, ``token``, ``headers()``."""
    return labelstudio_server.status()


@pytest.fixture
def fresh_labelstudio(tmp_path, labelstudio_template):
    """A second, private server for tests that stop or break it."""
    server = LocalLabelStudio(
        tmp_path / "labelstudio", port=free_port(), template=labelstudio_template
    )
    yield server
    server.down()


@pytest.fixture
def seeded_app(database_url, tmp_path, labelstudio):
    """The service on a fresh store holding the seeds and their catalogue, pointed at
    the session's Label Studio under a project key of its own."""
    from annotator.cli.store import ingest_paths, load_catalogue_file

    app = create_app(
        {
            "database_url": database_url,
            "exports_dir": tmp_path / "exports",
            "label_studio_url": labelstudio.url,
            "label_studio_api_key": labelstudio.token,
            "label_studio_project": f"test-{uuid.uuid4().hex[:10]}",
            "webhook_secret": "test-webhook-secret",
        }
    )
    with app.app_context():
        _, failures = ingest_paths((SEEDS,), quiet=True)
        assert not failures
        load_catalogue_file(SEEDS / "claims.yaml")
    yield app
    app.extensions["annotator.engine"].dispose()

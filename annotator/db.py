"""Engine, sessions and migrations of the store.

The request (or CLI command) owns the transaction: services only ``add`` and
``flush``; :func:`transaction` commits at the end or rolls everything back, so a
rejected file or request stores nothing.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from .config import REPO_ROOT, Settings

__all__ = [
    "make_engine",
    "init_app",
    "get_session",
    "transaction",
    "upgrade",
    "current_revision",
    "head_revision",
    "alembic_config",
    "conflict_free_insert",
]


@functools.lru_cache(maxsize=16)
def conflict_free_insert(dialect: str, table: sa.Table, *returning: str) -> sa.Insert:
    """``INSERT ... ON CONFLICT DO NOTHING [RETURNING returning]`` into ``table`` for the
    store's dialect (SQLite or PostgreSQL): a row a concurrent writer stored first is
    skipped, not an error.

    Built once per dialect and table, values bound at execution: building
    ``insert().values(**row)`` per row made SQLAlchemy recompute its cache key each
    time (measured: most of a full sync's own time).
    """
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - the store runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"no conflict-free insert for {dialect}")
    return statement.returning(*(table.c[name] for name in returning)) if returning else statement


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; SQLite gets foreign keys on and a parent folder."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            # SQLite leaves foreign keys off unless asked; WAL lets the service read
            # while a CLI command writes.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


def alembic_config(url: str) -> AlembicConfig:
    """Alembic's configuration for the store at ``url``, without an ini file."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the store at ``engine`` to ``revision`` (creates it when empty)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def init_app(app: Flask, settings: Settings) -> None:
    """Give ``app`` an engine and a session per request, closed at teardown."""
    engine = make_engine(settings.database_url)
    app.extensions["annotator.engine"] = engine
    app.extensions["annotator.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The session of the current request or CLI command."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["annotator.sessionmaker"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextlib.contextmanager
def transaction() -> Iterator[Session]:
    """Commit what the block stored, or roll all of it back if it raises."""
    session = get_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise

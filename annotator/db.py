"""Engine, sessions and migrations of the store.

The request (or CLI command) owns the transaction: services only ``add`` and
``flush``; :func:`transaction` commits at the end or rolls everything back, so a
rejected file or request stores nothing.  A GET, HEAD or OPTIONS request reads in
a read-only transaction: the database itself refuses a write there, so no read
can lock rows or rebuild what it shows.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from .config import REPO_ROOT, Settings
from .errors import Conflict

__all__ = [
    "SAFE_METHODS",
    "make_engine",
    "init_app",
    "get_session",
    "transaction",
    "upgrade",
    "current_revision",
    "head_revision",
    "alembic_config",
    "conflict_free_insert",
    "store_lock",
]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: How long :func:`store_lock` waits for another holder (a push of a thousand articles takes about a minute).
LOCK_TIMEOUT = 900.0
_PROCESS_LOCKS: dict[str, threading.Lock] = {}


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

        @sa.event.listens_for(engine, "checkin")
        def _writable_again(dbapi_connection, _record):
            # query_only outlives the transaction on SQLite: lift it before the
            # pool hands the connection to a writer.
            if dbapi_connection is not None:
                dbapi_connection.execute("PRAGMA query_only = OFF")

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
    sessions = sessionmaker(engine, expire_on_commit=False)
    sa.event.listen(sessions, "after_begin", _read_only_in_safe_requests)
    app.extensions["annotator.sessionmaker"] = sessions
    app.teardown_request(_close_request_session)
    app.teardown_appcontext(_close_session)


_SESSION = "annotator.db_session"


def get_session() -> Session:
    """The session of the current request (read-only in a GET), or of the CLI command
    or app context outside a request.

    A request's session lives in its WSGI environ, so it is the request's own even
    when requests share an app context (as tests' do) and ends with the request.
    """
    scope = request.environ if has_request_context() else g.__dict__
    session = scope.get(_SESSION)
    if session is None:
        session = scope[_SESSION] = current_app.extensions["annotator.sessionmaker"]()
    return session


def _read_only_in_safe_requests(_session: Session, _transaction, connection: sa.Connection) -> None:
    """Make a transaction begun by a GET, HEAD or OPTIONS request refuse writes,
    in the database itself."""
    if not (has_request_context() and request.method in SAFE_METHODS):
        return
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA query_only = ON")


def _close_request_session(_exc: BaseException | None) -> None:
    session = request.environ.pop(_SESSION, None)
    if session is not None:
        session.close()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop(_SESSION, None)
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


@contextlib.contextmanager
def store_lock(engine: sa.Engine, name: str, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the store-wide lock ``name`` for the block: one holder at a time, across
    threads and processes (``annotator push`` from the CLI beside the API's, say).

    PostgreSQL: a session advisory lock on a connection of its own (released when the
    block ends, or by the server if the process dies).  SQLite, one machine by nature:
    an exclusive ``flock`` on a file beside the database (a store in memory: a lock in
    this process).  Waiting longer than ``timeout`` seconds raises :class:`Conflict`.
    """
    if engine.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"SET lock_timeout = '{int(timeout * 1000)}ms'")
            try:
                connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
            except sa.exc.OperationalError as error:
                raise _busy(name, timeout) from error
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.exec_driver_sql("RESET lock_timeout")
        return
    database = engine.url.database
    if not database or database == ":memory:":
        lock = _PROCESS_LOCKS.setdefault(name, threading.Lock())
        if not lock.acquire(timeout=timeout):
            raise _busy(name, timeout)
        try:
            yield
        finally:
            lock.release()
        return
    path = Path(f"{database}.{hashlib.sha256(name.encode('utf-8')).hexdigest()[:12]}.lock")
    with open(path, "a+b") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _busy(name, timeout) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _busy(name: str, timeout: float) -> Conflict:
    return Conflict(f"{name} is held elsewhere for over {timeout:.0f} s: try again when it is done", {"lock": [name]})

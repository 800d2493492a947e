"""The store: migrations build exactly the models' schema, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from annotator.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from annotator.models import Base


def test_migrations_match_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    assert diff == [], "models changed without a migration: run alembic revision --autogenerate"


def test_store_is_at_head(database_url):
    engine = make_engine(database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_downgrade_to_nothing_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    engine = make_engine(url)
    upgrade(engine)
    command.downgrade(alembic_config(url), "base")
    assert sa.inspect(engine).get_table_names() == ["alembic_version"]
    upgrade(engine)
    assert "articles" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_the_store_lock_has_one_holder_and_tells_a_waiter_who_gave_up(database_url):
    import threading

    from annotator.db import make_engine, store_lock
    from annotator.errors import Conflict

    engine = make_engine(database_url)
    held, release = threading.Event(), threading.Event()

    def holder():
        with store_lock(engine, "push of test"):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        with pytest.raises(Conflict, match="push of test is held elsewhere"):
            with store_lock(engine, "push of test", timeout=0.3):
                pass
        with store_lock(engine, "another lock", timeout=0.3):  # other names are free
            pass
    finally:
        release.set()
        thread.join(10)
    with store_lock(engine, "push of test", timeout=1):  # free again once released
        pass
    engine.dispose()

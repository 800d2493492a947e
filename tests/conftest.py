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

import datetime as dt
import itertools
import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import current_app

from annotator import create_app
from annotator.db import make_engine, upgrade
from annotator.errors import LabelStudioUnavailable
from annotator.labelstudio.server import LocalLabelStudio, ensure_template, find_executable, free_port
from annotator.db import get_session
from annotator.rules.verdicts import DEFAULT_RULES
from annotator.services.verdicts import update_verdict_sets
from annotator.models import (
    Annotator,
    Article,
    ArticleRevision,
    Base,
    Claim,
    Judgment,
    JudgmentState,
    Mention,
    MentionOrigin,
    MentionStatus,
    Verdict,
)

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


def _desk_person(app, *roles: str, email: str | None = None, password: str | None = None, name: str | None = None):
    from annotator.db import transaction
    from annotator.services import accounts
    from annotator.services.audit import Actor

    operator = Actor.local_operator()
    with app.app_context(), transaction() as session:
        person = accounts.add_person(
            session, operator, email or f"{'-'.join(roles) or 'nobody'}-{uuid.uuid4().hex[:6]}@desk.example",
            roles=roles, password=password, name=name,
        )
        _token, secret = accounts.issue_token(session, operator, person, "tests")
        return person.id, {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def desk(request):
    """``desk("editor", email=...)``: add a desk person holding those roles (as the local
    operator does) to the test's app (``seeded_app`` if it uses one, else ``app``);
    returns their id and the headers of a fresh API token of theirs."""
    app = request.getfixturevalue("seeded_app" if "seeded_app" in request.fixturenames else "app")
    return lambda *roles, **kwargs: _desk_person(app, *roles, **kwargs)


@pytest.fixture
def anonymous(app):
    """A client with no credentials."""
    return app.test_client()


@pytest.fixture
def client(app):
    """A client acting as a desk admin (through an API token), so tests of what a
    route does need not log in; tests of who may call it use :func:`desk`."""
    client = app.test_client()
    _id, headers = _desk_person(app, "admin", email="admin@desk.example")
    client.environ_base["HTTP_AUTHORIZATION"] = headers["Authorization"]
    return client


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
    from annotator.cli.catalogue import load_catalogue_file
    from annotator.cli.store import ingest_paths

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


# -- judgments written directly (no Label Studio) ---------------------------------


class Store:
    """Writes claims, articles, mentions, annotators and judgments; ``commit()`` stores them."""

    def __init__(self, session):
        self.session = session
        self._numbers = itertools.count(1)

    def commit(self) -> None:
        """Store what was written and bring the verdict sets up to date, as the
        service's write paths do (these rows were written directly)."""
        update_verdict_sets(self.session, current_app.extensions["annotator.rules"].verdicts)
        self.session.commit()

    def annotator(self, name: str, *, simulated: bool = False) -> Annotator:
        annotator = Annotator(email=f"{name}@example.org", name=name, simulated=simulated)
        self.session.add(annotator)
        self.session.flush()
        return annotator

    def claim(self, claim_id: str, text: str | None = None) -> Claim:
        claim = Claim(id=claim_id, text=text or f"Claim {claim_id}")
        self.session.add(claim)
        self.session.flush()
        return claim

    def article(
        self, external_id: str, published_on: dt.date | str | None = None, *, inferred: bool = False
    ) -> ArticleRevision:
        article = Article(external_id=external_id)
        self.session.add(article)
        self.session.flush()
        return self.revision(article, published_on, inferred=inferred)

    def revision(
        self, article: Article, published_on: dt.date | str | None = None, *, inferred: bool = False
    ) -> ArticleRevision:
        if isinstance(published_on, str):
            published_on = dt.date.fromisoformat(published_on)
        number = len(article.revisions) + 1
        revision = ArticleRevision(
            article=article,
            number=number,
            content_hash=f"{article.external_id}-{number}",
            source=f"{article.external_id}.txt",
            outlet=f"Outlet {article.external_id}",
            title=f"Title {article.external_id}",
            published_on=published_on,
            published_year_inferred=inferred,
            raw_text="text",
            body="text",
        )
        self.session.add(revision)
        self.session.flush()
        return revision

    def mention(
        self,
        claim: Claim | str,
        revision: ArticleRevision,
        *,
        status: MentionStatus = MentionStatus.ACCEPTED,
        origin: MentionOrigin = MentionOrigin.CATALOGUE,
    ) -> Mention:
        claim_id = claim if isinstance(claim, str) else claim.id
        mention = Mention(
            claim_id=claim_id,
            revision_id=revision.id,
            origin=origin,
            status=status,
            dedup_key=claim_id if origin is MentionOrigin.CATALOGUE else f"{next(self._numbers)}-0",
            spans=[[0, 4]],
        )
        self.session.add(mention)
        self.session.flush()
        return mention

    def judge(
        self,
        mention: Mention,
        annotator: Annotator,
        verdict: str | None,
        *,
        state: JudgmentState = JudgmentState.ACTIVE,
        simulated: bool | None = None,
        confidence: int | None = None,
    ) -> Judgment:
        judgment = Judgment(
            mention_id=mention.id,
            annotator_id=annotator.id,
            verdict=Verdict(verdict) if verdict else None,
            state=state,
            simulated=annotator.simulated if simulated is None else simulated,
            confidence=confidence,
            ls_annotation_id=next(self._numbers),
            claim_index=0,
        )
        self.session.add(judgment)
        self.session.flush()
        return judgment

    def judge_all(self, mention: Mention, annotators: list[Annotator], verdicts: str) -> list[Judgment]:
        """One judgment per annotator: ``verdicts`` as letters c/u/d (confirmed, disputed,
        denied), ``.`` for none."""
        letters = {"c": "confirmed", "u": "disputed", "d": "denied"}
        return [
            self.judge(mention, who, letters[letter])
            for who, letter in zip(annotators, verdicts, strict=True)
            if letter != "."
        ]


@pytest.fixture
def rules():
    """The shipped verdict rules' defaults."""
    return DEFAULT_RULES


@pytest.fixture
def store(app):
    with app.app_context():
        session = get_session()
        yield Store(session)
        session.rollback()


@pytest.fixture
def story(store):
    """A small story: three claims over four dated articles, three annotators and a
    simulated one.

    * ``troops``: 3 articles; c c c / c c u / c c .  -> confirmed, settled
    * ``pact``:   2 articles; c u d / u u c          -> majority disputed 3 of 6: needs adjudication
    * ``shells``: 1 article;  c d                    -> fewer than 3: tie, needs adjudication
    * ``unjudged``: no mention at all
    """
    ana, budi, citra = (store.annotator(n) for n in ("ana", "budi", "citra"))
    bot = store.annotator("bot", simulated=True)
    a1 = store.article("a1", "2024-06-20")
    a2 = store.article("a2", "2024-06-27")
    a3 = store.article("a3", "2024-10-31", inferred=True)
    a4 = store.article("a4")
    for claim in ("troops", "pact", "shells", "unjudged"):
        store.claim(claim)
    m = {
        "troops-a1": store.mention("troops", a1),
        "troops-a2": store.mention("troops", a2),
        "troops-a3": store.mention("troops", a3),
        "pact-a1": store.mention("pact", a1),
        "pact-a4": store.mention("pact", a4),
        "shells-a2": store.mention("shells", a2),
    }
    people = [ana, budi, citra]
    store.judge_all(m["troops-a1"], people, "ccc")
    store.judge_all(m["troops-a2"], people, "ccu")
    store.judge_all(m["troops-a3"], people, "cc.")
    store.judge_all(m["pact-a1"], people, "cud")
    store.judge_all(m["pact-a4"], people, "uuc")
    store.judge_all(m["shells-a2"], people, "cd.")
    for mention in m.values():
        store.judge(mention, bot, "denied")
    store.commit()
    return {"mentions": {k: v.id for k, v in m.items()}, "annotators": {a.name: a.id for a in (*people, bot)}}

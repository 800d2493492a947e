"""The ``annotator`` command line against a real store: output and exit codes."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from annotator.cli import main
from annotator.cli.status import schema_heads
from annotator.db import head_revision, make_engine, upgrade
from annotator.models import ArticleRevision, LabelStudioProject, LabelStudioTask

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"


def test_run_without_serving_does_the_whole_job(cli):
    result = cli("run", "--no-labelstudio", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "seeds: 5 new" in result.output
    assert "Mercinews.com" in result.output
    assert "located mentions" in result.output and "suggested sentences await review" in result.output
    again = cli("run", "--no-labelstudio", "--no-serve")
    assert "seeds: 0 new, 0 revised, 5 unchanged" in again.output


def test_ingest_reports_and_is_idempotent(cli):
    first = cli("ingest", SEEDS)
    assert first.exit_code == 0, first.output
    assert first.output.count("1 new") == 5
    second = cli("ingest", SEEDS / "000_6d5ce1f4fcefeb83.txt")
    assert "0 new, 0 revised, 1 unchanged" in second.output
    listed = json.loads(cli("articles", "list", "--json").output)
    assert [a["external_id"] for a in listed] == sorted(p.stem for p in SEEDS.glob("*.txt"))


def test_a_bad_file_exits_3_and_the_good_ones_are_stored(cli, tmp_path):
    (tmp_path / "a_good.txt").write_text("Jakarta, Contoh.com – Menurut Pentagon, 3.000 tentara dikirim.\n")
    (tmp_path / "b_bad.json").write_text('[{"id": "x", "text": 5}]')
    result = cli("ingest", tmp_path)
    assert result.exit_code == 3
    assert "b_bad.json" in result.stderr and "text" in result.stderr
    assert [a["external_id"] for a in json.loads(cli("articles", "list", "--json").output)] == ["a_good"]


def test_cp1252_file_is_decoded_and_says_so(cli, tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("Jakarta, Contoh.com – Menteri berkata \u201cya\u201d, Senin (28/10).\n".encode("cp1252"))
    result = cli("ingest", path)
    assert result.exit_code == 0, result.output
    assert "cp1252" in result.output


def test_claims_and_mentions_workflow(cli):
    cli("ingest", SEEDS)
    loaded = cli("claims", "load", SEEDS / "claims.yaml")
    assert loaded.exit_code == 0, loaded.output
    claims = json.loads(cli("claims", "list", "--json").output)
    assert len(claims) >= 10 and all(c["articles"] >= 1 for c in claims)

    queue = json.loads(cli("mentions", "list", "--origin", "suggested", "--status", "pending", "--json").output)
    assert queue
    first, second = queue[0]["id"], queue[1]["id"]
    missing_claim = cli("mentions", "accept", first)
    assert missing_claim.exit_code == 3 and "needs a claim" in missing_claim.stderr
    assert cli("mentions", "accept", first, "--claim", "no-such-claim").exit_code == 4
    accepted = cli("mentions", "accept", first, "--claim", claims[0]["id"])
    assert accepted.exit_code in (0, 5), accepted.output  # 5 if that claim already has this article
    assert cli("mentions", "reject", second).exit_code == 0
    assert cli("mentions", "reject", 999_999).exit_code == 4


def test_bad_catalogue_exits_3_and_stores_nothing(cli, tmp_path):
    cli("ingest", SEEDS)
    bad = tmp_path / "claims.yaml"
    bad.write_text("story: x\ntitle: x\nversion: 1\nclaims:\n  - id: Bad Id\n    text: ''\n")
    result = cli("claims", "load", bad)
    assert result.exit_code == 3
    assert json.loads(cli("claims", "list", "--json").output) == []


def test_claims_add_validates(cli):
    assert cli("claims", "add", "Not A Slug", "text").exit_code == 3
    assert cli("claims", "add", "ok-slug", "Sebuah klaim.").exit_code == 0
    assert cli("claims", "add", "ok-slug", "Lagi.").exit_code == 5


def test_openapi_and_db_commands(cli, tmp_path):
    out = tmp_path / "openapi.json"
    assert cli("openapi", "-o", out).exit_code == 0
    assert "/api/articles" in json.loads(out.read_text())["paths"]
    from annotator.db import head_revision

    current = cli("db", "current")
    assert current.exit_code == 0 and f"schema {head_revision()} (newest {head_revision()})" in current.output


# -- annotator status ----------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def bare_store(request, tmp_path):
    """The URL of an empty database, with no schema: a file on SQLite, a database of its
    own on PostgreSQL (dropped afterwards)."""
    if request.param == "sqlite":
        path = tmp_path / "bare.db"
        sqlite3.connect(path).close()
        yield f"sqlite:///{path}"
        return
    name = f"annotator_bare_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(request.getfixturevalue("postgresql_url"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _status(*args: str, database_url: str):
    return CliRunner().invoke(main, ["status", *args], env={"ANNOTATOR_DATABASE_URL": database_url})


def test_status_of_an_empty_store(cli):
    result = cli("status")
    assert result.exit_code == 0, result.output
    assert f"(schema {head_revision()}, the newest)" in result.output
    assert "articles: 0 (0 revisions)" in result.output
    assert "claims (configured): not pushed yet" in result.output
    assert "verdict sets:\n  none yet" in result.output
    data = json.loads(cli("status", "--json").output)
    store = data["store"]
    assert (store["created"], store["up_to_date"]) == (True, True)
    assert store["revision"] == store["head"] == head_revision()
    assert data["mentions"] == {"accepted": 0, "rejected": 0, "pending": 0}
    assert data["judgments"] == {"active": 0, "skipped": 0, "deleted": 0, "rejected": 0}
    assert data["labelstudio"] == {"configured_project": "claims", "projects": []}
    assert data["verdict_sets"] == []


def test_status_counts_what_the_store_holds(cli, story, store):
    revision = store.session.scalars(sa.select(ArticleRevision).order_by(ArticleRevision.id)).first()
    synced = dt.datetime(2024, 6, 20, 10, 30, tzinfo=dt.timezone.utc)
    pushed = LabelStudioProject(
        project_key="claims", ls_project_id=7, base_url="http://127.0.0.1:8080", title="Claims",
        config_hash="h", last_synced_at=synced, synced_until=synced,
    )
    store.session.add_all([
        pushed,
        LabelStudioProject(project_key="old", ls_project_id=3, base_url="http://ls.example", title="Old", config_hash="h"),
    ])
    store.session.flush()
    store.session.add(LabelStudioTask(project_id=pushed.id, revision_id=revision.id, ls_task_id=70, payload_hash="p"))
    store.commit()
    verdicts = json.loads(cli("verdicts", "list", "--json").output)  # the majority set, up to date

    result = cli("status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "articles: 4 (4 revisions)" in lines and "claims: 4" in lines
    assert "mentions: 6 accepted, 0 rejected, 0 pending" in lines
    assert "annotators: 4 (1 simulated)" in lines
    assert "judgments: 22 active, 0 skipped, 0 deleted, 0 rejected" in lines
    assert (
        "  claims (configured): project 7 at http://127.0.0.1:8080, 1 task(s), last synced 2024-06-20 10:30:00 UTC"
        in lines
    )
    assert "  old: project 3 at http://ls.example, 0 task(s), last synced never" in lines
    assert any(
        line.startswith("  majority, people only: 4 claims (1 settled, 3 needs adjudication, 0 adjudicated), computed")
        for line in lines
    )

    data = json.loads(cli("status", "--json").output)
    assert (data["articles"], data["revisions"], data["claims"], data["adjudications"]) == (4, 4, 4, 0)
    assert data["annotators"] == {"total": 4, "simulated": 1}
    claims_project = data["labelstudio"]["projects"][0]
    assert claims_project | {"configured": True, "tasks": 1} == claims_project
    assert claims_project["last_synced_at"] == "2024-06-20T10:30:00+00:00"
    verdict_set = next(
        v for v in data["verdict_sets"] if (v["method"], v["include_simulated"]) == ("majority", False)
    )
    assert verdict_set["claims"] == 4
    assert verdict_set["statuses"] == verdicts["statuses"]
    assert verdict_set["computed_at"].endswith("+00:00") and verdict_set["fitted_at"] is None


def test_status_of_a_store_not_created_yet_exits_4_and_creates_nothing(tmp_path, bare_store):
    missing = tmp_path / "not" / "there.db"
    for url in (f"sqlite:///{missing}", bare_store):
        result = _status(database_url=url)
        assert result.exit_code == 4, result.output
        assert result.output.endswith("not created yet (`annotator db upgrade` creates it)\n")
        data = json.loads(_status("--json", database_url=url).output)
        assert data == {"store": data["store"]} and data["store"]["created"] is False
    assert not missing.parent.exists()
    engine = sa.create_engine(bare_store)
    assert sa.inspect(engine).get_table_names() == []
    engine.dispose()


def test_status_of_a_store_behind_exits_1_without_counts(bare_store):
    engine = make_engine(bare_store)
    upgrade(engine, "0002")
    engine.dispose()
    result = _status(database_url=bare_store)
    assert result.exit_code == 1, result.output
    assert f"schema 0002, newest {head_revision()} (`annotator db upgrade` migrates it" in result.output
    data = json.loads(_status("--json", database_url=bare_store).output)
    assert data["store"]["up_to_date"] is False and "articles" not in data


def test_status_hides_the_password_of_a_store_it_cannot_reach():
    result = _status(database_url="postgresql+psycopg://desk:s3cret@127.0.0.1:1/annotator")
    assert result.exit_code == 1
    assert "cannot read the store at postgresql+psycopg://desk:***@127.0.0.1:1/annotator" in result.output
    assert "s3cret" not in result.output


def test_status_reads_the_newest_revision_as_alembic_does():
    assert schema_heads(REPO / "migrations" / "versions") == [head_revision()]

"""``annotator status``: what the store holds, read without building the app."""

from __future__ import annotations

import ast
import datetime as dt
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import sqlalchemy as sa

from ..errors import AnnotatorError, InputError
from ..vocabulary import JudgmentState, MentionStatus, VerdictStatus, values
from .base import echo_json, main, reported_errors

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["store_status", "schema_heads"]

# `annotator status` must answer within 1.5 times `import sqlalchemy, click` (0.3-0.4 s
# here), and Alembic, the ORM models and Flask each take half of that margin or more to
# import.  So it builds no app, reads the store through these bare Core tables, and reads
# the newest schema revision from the migration files itself (tests hold it to Alembic's).
_UTC_DATETIME = sa.DateTime(timezone=True)
_ALEMBIC_VERSION = sa.table("alembic_version", sa.column("version_num"))
_ARTICLES = sa.table("articles")
_REVISIONS = sa.table("article_revisions")
_CLAIMS = sa.table("claims")
_MENTIONS = sa.table("mentions", sa.column("status"))
_ANNOTATORS = sa.table("annotators", sa.column("simulated", sa.Boolean))
_JUDGMENTS = sa.table("judgments", sa.column("state"))
_ADJUDICATIONS = sa.table("adjudications")
_PROJECTS = sa.table(
    "ls_projects",
    sa.column("id"),
    sa.column("project_key"),
    sa.column("ls_project_id"),
    sa.column("base_url"),
    sa.column("title"),
    sa.column("synced_until", _UTC_DATETIME),
    sa.column("last_synced_at", _UTC_DATETIME),
    sa.column("last_sync_error"),
    sa.column("last_sync_failed_at", _UTC_DATETIME),
    sa.column("webhook_state"),
    sa.column("webhook_checked_at", _UTC_DATETIME),
)
#: read only from a store at schema 0005 or later
_SYNC_HEALTH = ("last_sync_error", "last_sync_failed_at", "webhook_state", "webhook_checked_at")
_TASKS = sa.table("ls_tasks", sa.column("project_id"))
_VERDICT_SETS = sa.table(
    "verdict_sets",
    sa.column("id"),
    sa.column("method"),
    sa.column("include_simulated", sa.Boolean),
    sa.column("computed_at", _UTC_DATETIME),
    sa.column("fitted_at", _UTC_DATETIME),
)
_CLAIM_VERDICTS = sa.table("claim_verdicts", sa.column("set_id"), sa.column("status"))
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$", re.MULTILINE)


def schema_heads(versions_dir: Path) -> list[str]:
    """The newest revisions (Alembic's heads) of the migration files in ``versions_dir``."""
    revisions, parents = set(), set()
    for path in versions_dir.glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        down = ast.literal_eval(found.get("down_revision", "None"))
        parents.update(down if isinstance(down, (tuple, list)) else [down] if down else [])
    return sorted(revisions - parents)


def _utc(value: dt.datetime | None) -> str | None:
    """A stored time as ISO 8601 in UTC (SQLite gives it back without its zone, always UTC)."""
    if value is None:
        return None
    utc = value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    return utc.isoformat()


def _count(connection: sa.Connection, table: sa.TableClause) -> int:
    return connection.scalar(sa.select(sa.func.count()).select_from(table))


def _count_by(connection: sa.Connection, column: sa.ColumnClause) -> dict[Any, int]:
    return dict(connection.execute(sa.select(column, sa.func.count()).group_by(column)).all())


def _projects(connection: sa.Connection, settings: Settings) -> dict[str, Any]:
    """The Label Studio projects pushed to, with their tasks, last sync and webhook."""
    present = {c["name"] for c in sa.inspect(connection).get_columns("ls_projects")}
    health = [_PROJECTS.c[name] for name in _SYNC_HEALTH if name in present]
    tasks = (
        sa.select(_TASKS.c.project_id, sa.func.count().label("tasks")).group_by(_TASKS.c.project_id).subquery()
    )
    projects = connection.execute(
        sa.select(
            _PROJECTS.c.project_key,
            _PROJECTS.c.ls_project_id,
            _PROJECTS.c.base_url,
            _PROJECTS.c.title,
            sa.func.coalesce(tasks.c.tasks, 0).label("tasks"),
            _PROJECTS.c.last_synced_at,
            _PROJECTS.c.synced_until,
            *health,
        )
        .select_from(_PROJECTS.outerjoin(tasks, tasks.c.project_id == _PROJECTS.c.id))
        .order_by(_PROJECTS.c.project_key)
    ).all()
    return {
        "configured_project": settings.label_studio_project,
        "projects": [
            {
                "project_key": p.project_key,
                "configured": p.project_key == settings.label_studio_project,
                "ls_project_id": p.ls_project_id,
                "base_url": p.base_url,
                "title": p.title,
                "tasks": p.tasks,
                "last_synced_at": _utc(p.last_synced_at),
                "synced_until": _utc(p.synced_until),
                "last_sync_error": getattr(p, "last_sync_error", None),
                "last_sync_failed_at": _utc(getattr(p, "last_sync_failed_at", None)),
                "webhook_state": getattr(p, "webhook_state", None),
                "webhook_checked_at": _utc(getattr(p, "webhook_checked_at", None)),
            }
            for p in projects
        ],
    }


def _verdict_sets(connection: sa.Connection) -> list[dict[str, Any]]:
    """Every stored verdict set, with its claims per status."""
    statuses: dict[int, dict[str, int]] = {}
    for set_id, status, count in connection.execute(
        sa.select(_CLAIM_VERDICTS.c.set_id, _CLAIM_VERDICTS.c.status, sa.func.count()).group_by(
            _CLAIM_VERDICTS.c.set_id, _CLAIM_VERDICTS.c.status
        )
    ):
        statuses.setdefault(set_id, {})[status] = count
    verdict_sets = connection.execute(
        sa.select(_VERDICT_SETS).order_by(_VERDICT_SETS.c.method, _VERDICT_SETS.c.include_simulated)
    ).all()
    return [
        {
            "method": v.method,
            "include_simulated": v.include_simulated,
            "computed_at": _utc(v.computed_at),
            "fitted_at": _utc(v.fitted_at),
            "claims": sum(statuses.get(v.id, {}).values()),
            "statuses": {s: statuses.get(v.id, {}).get(s, 0) for s in values(VerdictStatus)},
        }
        for v in verdict_sets
    ]


def _store_contents(connection: sa.Connection, settings: Settings) -> dict[str, Any]:
    mentions = _count_by(connection, _MENTIONS.c.status)
    annotators = _count_by(connection, _ANNOTATORS.c.simulated)
    judgments = _count_by(connection, _JUDGMENTS.c.state)
    return {
        "articles": _count(connection, _ARTICLES),
        "revisions": _count(connection, _REVISIONS),
        "claims": _count(connection, _CLAIMS),
        "mentions": {s: mentions.get(s, 0) for s in values(MentionStatus)},
        "annotators": {"total": sum(annotators.values()), "simulated": annotators.get(True, 0)},
        "judgments": {s: judgments.get(s, 0) for s in values(JudgmentState)},
        "adjudications": _count(connection, _ADJUDICATIONS),
        "labelstudio": _projects(connection, settings),
        "verdict_sets": _verdict_sets(connection),
    }


def store_status(settings: Settings) -> dict[str, Any]:
    """What the store holds, read without creating or migrating it.

    ``store.created`` is false for a store not created yet (no SQLite file, or no schema
    in the database); the counts are there only when the schema is the newest.
    """
    try:
        url = sa.make_url(settings.database_url)
        engine = sa.create_engine(url)
    except sa.exc.ArgumentError as error:
        raise InputError(f"invalid database_url: {error}", {"database_url": [str(error)]}) from None
    heads = schema_heads(settings.migrations_dir / "versions")
    store: dict[str, Any] = {
        "url": url.render_as_string(hide_password=True),
        "dialect": url.get_backend_name(),
        "created": False,
        "revision": None,
        "head": ", ".join(heads),
        "up_to_date": False,
    }
    in_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if in_file and not Path(url.database).is_file():
        return {"store": store}  # connecting would create the file
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return {"store": store}
            revisions = sorted(connection.scalars(sa.select(_ALEMBIC_VERSION.c.version_num)))
            store |= {"created": bool(revisions), "revision": ", ".join(revisions) or None}
            store["up_to_date"] = bool(revisions) and revisions == heads
            if not store["up_to_date"]:
                return {"store": store}
            return {"store": store, **_store_contents(connection, settings)}
    except sa.exc.DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
        raise AnnotatorError(f"cannot read the store at {store['url']}: {reason}") from None
    finally:
        engine.dispose()


def _when(value: str | None, never: str) -> str:
    return f"{value[:19].replace('T', ' ')} UTC" if value else never


def _print_status(report: dict[str, Any]) -> None:
    store = report["store"]
    if not store["created"]:
        click.echo(f"store: {store['url']}: not created yet (`annotator db upgrade` creates it)")
        return
    if not store["up_to_date"]:
        click.echo(
            f"store: {store['url']}: schema {store['revision']}, newest {store['head']}"
            " (`annotator db upgrade` migrates it; counts need the newest schema)"
        )
        return
    click.echo(f"store: {store['url']} (schema {store['revision']}, the newest)")
    click.echo(f"articles: {report['articles']} ({report['revisions']} revisions)")
    click.echo(f"claims: {report['claims']}")
    click.echo("mentions: " + ", ".join(f"{n} {s}" for s, n in report["mentions"].items()))
    people = report["annotators"]
    click.echo(f"annotators: {people['total']} ({people['simulated']} simulated)")
    click.echo("judgments: " + ", ".join(f"{n} {s}" for s, n in report["judgments"].items()))
    click.echo(f"adjudications: {report['adjudications']}")
    labelstudio = report["labelstudio"]
    click.echo("Label Studio projects:")
    for p in labelstudio["projects"]:
        click.echo(
            f"  {p['project_key']}{' (configured)' if p['configured'] else ''}: project {p['ls_project_id']}"
            f" at {p['base_url']}, {p['tasks']} task(s), last synced {_when(p['last_synced_at'], 'never')}"
        )
        if p["last_sync_error"]:
            click.secho(
                f"    the background sync failed {_when(p['last_sync_failed_at'], '-')}: {p['last_sync_error']}", fg="red"
            )
        if p["webhook_state"]:
            click.echo(f"    webhook {p['webhook_state']} when checked {_when(p['webhook_checked_at'], '-')}")
    if not any(p["configured"] for p in labelstudio["projects"]):
        click.echo(f"  {labelstudio['configured_project']} (configured): not pushed yet (`annotator push`)")
    click.echo("verdict sets:")
    for v in report["verdict_sets"]:
        population = "simulated included" if v["include_simulated"] else "people only"
        counts = ", ".join(f"{n} {s}" for s, n in v["statuses"].items())
        click.echo(
            f"  {v['method']}, {population}: {v['claims']} claims ({counts}), computed {_when(v['computed_at'], '-')}"
        )
    if not report["verdict_sets"]:
        click.echo(
            "  none yet (the first `annotator verdicts list` or `annotator report` builds them)"
        )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(as_json: bool) -> None:
    """A summary of the store: schema, articles, claims, mentions, annotators, judgments,
    adjudications, Label Studio projects with their last sync, verdict sets.

    Reads the store and changes nothing.  Exits 4 if the store is not created yet, and 1
    if its schema is not the newest (`annotator db upgrade` does both).
    """
    from ..config import load_settings

    with reported_errors():
        report = store_status(load_settings())
    if as_json:
        echo_json(report)
    else:
        _print_status(report)
    store = report["store"]
    if not store["created"]:
        sys.exit(4)
    if not store["up_to_date"]:
        sys.exit(1)

"""Commands on the store: schema, status, articles, claims, mentions."""

from __future__ import annotations

import ast
import datetime as dt
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import sqlalchemy as sa

from ..errors import AnnotatorError, Conflict, InputError, NotFound, exit_code
from ..vocabulary import JudgmentState, MentionOrigin, MentionStatus, VerdictStatus, values
from .base import echo_json, echo_table, main, reported_errors, with_app

if TYPE_CHECKING:
    from ..config import Settings

__all__ = ["ingest_paths", "load_catalogue_file", "articles_list", "store_status", "schema_heads"]

# -- the store ---------------------------------------------------------------


@main.group()
def db() -> None:
    """Create or migrate the store."""


@db.command("upgrade")
@with_app
def db_upgrade() -> None:
    """Create the store or bring it to the newest schema."""
    from flask import current_app

    from ..db import current_revision, upgrade

    engine = current_app.extensions["annotator.engine"]
    upgrade(engine)
    click.echo(f"store at {engine.url.render_as_string()} is at schema {current_revision(engine)}")


@db.command("current")
@with_app
def db_current() -> None:
    """Show the store's schema revision; exit 1 if it is behind."""
    from flask import current_app

    from ..db import current_revision, head_revision

    engine = current_app.extensions["annotator.engine"]
    revision, head = current_revision(engine), head_revision()
    click.echo(f"{engine.url.render_as_string()}: schema {revision or 'none'} (newest {head})")
    if revision != head:
        click.echo("run `annotator db upgrade`", err=True)
        sys.exit(1)


# -- status ------------------------------------------------------------------

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
)
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


def _store_contents(connection: sa.Connection, settings: Settings) -> dict[str, Any]:
    mentions = _count_by(connection, _MENTIONS.c.status)
    annotators = _count_by(connection, _ANNOTATORS.c.simulated)
    judgments = _count_by(connection, _JUDGMENTS.c.state)
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
        )
        .select_from(_PROJECTS.outerjoin(tasks, tasks.c.project_id == _PROJECTS.c.id))
        .order_by(_PROJECTS.c.project_key)
    ).all()
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
    return {
        "articles": _count(connection, _ARTICLES),
        "revisions": _count(connection, _REVISIONS),
        "claims": _count(connection, _CLAIMS),
        "mentions": {s: mentions.get(s, 0) for s in values(MentionStatus)},
        "annotators": {"total": sum(annotators.values()), "simulated": annotators.get(True, 0)},
        "judgments": {s: judgments.get(s, 0) for s in values(JudgmentState)},
        "adjudications": _count(connection, _ADJUDICATIONS),
        "labelstudio": {
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
                }
                for p in projects
            ],
        },
        "verdict_sets": [
            {
                "method": v.method,
                "include_simulated": v.include_simulated,
                "computed_at": _utc(v.computed_at),
                "fitted_at": _utc(v.fitted_at),
                "claims": sum(statuses.get(v.id, {}).values()),
                "statuses": {s: statuses.get(v.id, {}).get(s, 0) for s in values(VerdictStatus)},
            }
            for v in verdict_sets
        ],
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
        click.echo("  none yet (the first `annotator verdicts` or `annotator report` builds them)")


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


# -- articles ----------------------------------------------------------------


def _article_files(paths: tuple[Path, ...]) -> list[Path]:
    from ..ingest.formats import SUPPORTED_EXTENSIONS

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_EXTENSIONS)
        else:
            files.append(path)
    return files


def ingest_paths(paths: tuple[Path, ...], *, quiet: bool = False) -> tuple[list, list[InputError]]:
    """Ingest files one transaction each; return the reports and the rejections."""
    from flask import current_app
    from tqdm import tqdm

    from ..db import transaction
    from ..services.articles import ingest_file

    settings = current_app.extensions["annotator.settings"]
    rules = current_app.extensions["annotator.rules"]
    reports, failures = [], []
    for path in tqdm(_article_files(paths), desc="ingest", unit="file", disable=quiet, leave=False):
        try:
            with transaction() as session:
                reports.append(
                    ingest_file(session, path.read_bytes(), source=path.name, settings=settings, rules=rules)
                )
        except InputError as error:
            failures.append(error)
    return reports, failures


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@with_app
def ingest(paths: tuple[Path, ...], as_json: bool) -> None:
    """Ingest article files or folders (.txt, .json, .jsonl, .csv).

    Each file is stored whole or not at all; the others go on.  Exits 3 if any
    file was rejected.
    """
    reports, failures = ingest_paths(paths, quiet=as_json)
    if as_json:
        echo_json({"files": [_report_dict(r) for r in reports], "rejected": [f.to_dict() for f in failures]})
    else:
        for report in reports:
            note = f" ({report.note})" if report.note else ""
            click.echo(
                f"{report.source}: {report.count('created')} new, {report.count('revised')} revised,"
                f" {report.count('unchanged')} unchanged{note}"
            )
            for outcome in report.outcomes:
                for warning in outcome.warnings:
                    click.secho(f"  warning: {outcome.external_id}: {warning}", fg="yellow")
        for failure in failures:
            click.secho(f"rejected: {failure}", fg="red", err=True)
    if failures:
        sys.exit(exit_code(failures[0]))


def _report_dict(report) -> dict:
    return {
        "source": report.source,
        "encoding": report.encoding,
        "note": report.note,
        "outcomes": [o.__dict__ | {"warnings": list(o.warnings)} for o in report.outcomes],
    }


@main.group()
def articles() -> None:
    """Read the stored articles."""


@articles.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_app
def articles_list(as_json: bool) -> None:
    """List articles with their current revision's metadata."""
    from ..db import get_session
    from ..models import Article

    rows = []
    for article in get_session().scalars(sa.select(Article).order_by(Article.id)):
        rev = article.current
        rows.append(
            {
                "id": article.id,
                "external_id": article.external_id,
                "revision": rev.number,
                "outlet": rev.outlet,
                "place": rev.dateline_place,
                "published_on": rev.published_on.isoformat() if rev.published_on else None,
                "year_inferred": rev.published_year_inferred,
                "language": rev.language,
                "title": rev.title,
            }
        )
    if as_json:
        echo_json(rows)
        return
    table = [
        [
            str(r["id"]),
            r["external_id"],
            str(r["revision"]),
            r["outlet"] or "?",
            r["place"] or "-",
            (r["published_on"] or "none") + (" (year inferred)" if r["year_inferred"] else ""),
            r["language"] or "?",
            r["title"] or "",
        ]
        for r in rows
    ]
    echo_table(["id", "article", "rev", "outlet", "place", "published", "lang", "title"], table)


@articles.command("show")
@click.argument("article_id", type=int)
@with_app
def articles_show(article_id: int) -> None:
    """Print an article's metadata and clean body."""
    from ..db import get_session
    from ..models import Article

    article = get_session().get(Article, article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id}")
    rev = article.current
    for label, value in [
        ("external id", article.external_id),
        ("revision", f"{rev.number} of {len(article.revisions)}"),
        ("source", rev.source),
        ("title", rev.title),
        ("outlet", rev.outlet),
        ("place", rev.dateline_place),
        ("published", f"{rev.published_on} from {rev.published_text!r}"
         f"{' (year inferred)' if rev.published_year_inferred else ''}" if rev.published_on else None),
        ("language", rev.language),
        ("furniture removed", len(rev.removed)),
    ]:
        click.echo(f"{label:>18}: {value if value is not None else '-'}")
    click.echo()
    click.echo(rev.body)


# -- claims ------------------------------------------------------------------


@main.group()
def claims() -> None:
    """The claim catalogue."""


def load_catalogue_file(path: Path):
    from flask import current_app

    from ..db import transaction
    from ..services.catalogue import store_catalogue

    threshold = current_app.extensions["annotator.settings"].fuzzy_threshold
    with transaction() as session:
        return store_catalogue(session, path.read_bytes(), source=path.name, fuzzy_threshold=threshold)


@claims.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_app
def claims_load(path: Path) -> None:
    """Load a catalogue file: every claim and located quote, or nothing (exit 3)."""
    report = load_catalogue_file(path)
    click.echo(
        f"{report.source}: claims {report.claims_created} new, {report.claims_updated} updated,"
        f" {report.claims_unchanged} unchanged; mentions {report.mentions_created} new,"
        f" {report.mentions_updated} updated, {report.mentions_unchanged} unchanged;"
        f" quotes found {', '.join(f'{k} {v}' for k, v in sorted(report.match_methods.items()))}"
    )
    if report.not_in_file:
        click.secho(f"  kept, though not in this file: {', '.join(report.not_in_file)}", fg="yellow")


@claims.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_app
def claims_list(as_json: bool) -> None:
    """List claims with the number of articles that mention them."""
    from ..db import get_session
    from ..models import Claim, MentionStatus

    rows = [
        {
            "id": c.id,
            "text": c.text,
            "text_en": c.text_en,
            "articles": sum(1 for m in c.mentions if m.status == MentionStatus.ACCEPTED),
        }
        for c in get_session().scalars(sa.select(Claim).order_by(Claim.id))
    ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        click.echo(f"{r['id']}  ({r['articles']} article(s))\n    {r['text']}")


@claims.command("add")
@click.argument("claim_id")
@click.argument("text")
@click.option("--text-en", default=None, help="English rendering of the claim.")
@with_app
def claims_add(claim_id: str, text: str, text_en: str | None) -> None:
    """Add a claim with a slug id and its canonical sentence."""
    from marshmallow import ValidationError

    from ..api.schemas import ClaimCreateSchema
    from ..db import transaction
    from ..models import Claim

    try:
        data = ClaimCreateSchema().load({"id": claim_id, "text": text, "text_en": text_en})
    except ValidationError as exc:
        raise InputError("invalid claim", {k: list(v) for k, v in exc.normalized_messages().items()}) from exc
    with transaction() as session:
        if session.get(Claim, claim_id) is not None:
            raise Conflict(f"claim {claim_id!r} exists")
        session.add(Claim(**data))
    click.echo(f"added claim {claim_id}")


# -- mentions ----------------------------------------------------------------


@main.group()
def mentions() -> None:
    """Claims located in articles, and suggestions to review."""


@mentions.command("list")
@click.option("--claim", "claim_id", help="Only this claim's mentions.")
@click.option("--article", "article_id", type=int, help="Only this article's mentions.")
@click.option("--origin", type=click.Choice(values(MentionOrigin)))
@click.option("--status", type=click.Choice(values(MentionStatus)))
@click.option("--json", "as_json", is_flag=True)
@with_app
def mentions_list(claim_id, article_id, origin, status, as_json: bool) -> None:
    """List mentions, e.g. `--origin suggested --status pending` for the review queue."""
    from ..db import get_session
    from ..models import ArticleRevision, Mention

    query = sa.select(Mention).join(ArticleRevision).order_by(ArticleRevision.article_id, Mention.id)
    if claim_id:
        query = query.where(Mention.claim_id == claim_id)
    if article_id:
        query = query.where(ArticleRevision.article_id == article_id)
    if origin:
        query = query.where(Mention.origin == MentionOrigin(origin))
    if status:
        query = query.where(Mention.status == MentionStatus(status))
    rows = [
        {
            "id": m.id,
            "claim_id": m.claim_id,
            "article": m.revision.article.external_id,
            "origin": m.origin.value,
            "status": m.status.value,
            "spans": m.spans,
            "score": m.score,
            "reasons": m.reasons,
            "text": " … ".join(m.quotes),
        }
        for m in get_session().scalars(query)
    ]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        score = f" score {r['score']:.2f} ({', '.join(r['reasons'])})" if r["score"] is not None else ""
        click.echo(
            f"{r['id']:>5}  {r['status']:<8} {r['origin']:<9} {r['claim_id'] or '(no claim)'}"
            f"  {r['article']}{score}\n       {r['text'][:160]}"
        )


@mentions.command("accept")
@click.argument("mention_id", type=int)
@click.option("--claim", "claim_id", help="The claim a suggested sentence is evidence for.")
@click.option("--by", "decided_by", help="Who decides (recorded).")
@with_app
def mentions_accept(mention_id: int, claim_id: str | None, decided_by: str | None) -> None:
    """Accept a mention (a suggestion needs --claim)."""
    from ..db import transaction
    from ..services import mentions as mention_service

    with transaction() as session:
        mention = mention_service.get_mention(session, mention_id)
        claim_id = claim_id or mention.claim_id
        if claim_id is None:
            raise InputError("a suggested sentence needs --claim CLAIM_ID to be accepted")
        mention_service.accept_mention(session, mention_id, claim_id=claim_id, decided_by=decided_by)
    click.echo(f"mention {mention_id} accepted for claim {claim_id}")


@mentions.command("reject")
@click.argument("mention_id", type=int)
@click.option("--by", "decided_by", help="Who decides (recorded).")
@with_app
def mentions_reject(mention_id: int, decided_by: str | None) -> None:
    """Reject a mention."""
    from ..db import transaction
    from ..services import mentions as mention_service

    with transaction() as session:
        mention_service.reject_mention(session, mention_id, decided_by=decided_by)
    click.echo(f"mention {mention_id} rejected")


@main.command()
@with_app
def suggest() -> None:
    """Suggest check-worthy sentences again for every article (after a rule change)."""
    from flask import current_app
    from tqdm import tqdm

    from ..db import transaction
    from ..models import Article
    from ..services.mentions import store_suggestions

    rules = current_app.extensions["annotator.rules"]
    added = 0
    with transaction() as session:
        articles_ = session.scalars(sa.select(Article).order_by(Article.id)).all()
        for article in tqdm(articles_, desc="suggest", unit="article", leave=False):
            added += store_suggestions(session, article.current, rules.checkworthy)
    click.echo(f"{added} new suggestion(s) over {len(articles_)} article(s)")



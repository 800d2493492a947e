"""Commands on the store: its schema (``annotator db``), ingesting and reading articles."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa

from ..errors import InputError, NotFound, exit_code
from .base import echo_json, echo_table, main, with_app

__all__ = ["ingest_paths", "articles_list"]


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
    from ..edits import ingest
    from ..services.audit import Actor

    actor = Actor.local_operator()
    settings = current_app.extensions["annotator.settings"]
    rules = current_app.extensions["annotator.rules"]
    reports, failures = [], []
    for path in tqdm(_article_files(paths), desc="ingest", unit="file", disable=quiet, leave=False):
        try:
            with transaction() as session:
                reports.append(
                    ingest(session, path.read_bytes(), source=path.name, settings=settings, rules=rules, actor=actor)
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

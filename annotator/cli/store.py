"""The ``annotator`` command line.

Every command runs inside the Flask app (same settings, same store, same
services as the API).  Exit codes scripts can trust: 0 done, 1 unexpected
failure, 2 bad command line, 3 input rejected (nothing stored), 4 not found,
5 conflict with stored data.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from tqdm import tqdm

from . import create_app
from .db import current_revision, get_session, head_revision, transaction, upgrade
from .errors import AnnotatorError, Conflict, InputError, NotFound, exit_code
from .ingest.formats import SUPPORTED_EXTENSIONS
from .models import Article, Claim, Mention, MentionOrigin, MentionStatus
from .services import mentions as mention_service
from .services.articles import ingest_file
from .services.catalogue import store_catalogue
from .services.mentions import store_suggestions

__all__ = ["main"]


def _app() -> Flask:
    return click.get_current_context().obj


def with_app(command):
    """Run ``command`` in an app context; turn service errors into messages and exit codes."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        with _app().app_context():
            try:
                return command(*args, **kwargs)
            except AnnotatorError as error:
                click.secho(f"error: {error}", fg="red", err=True)
                sys.exit(exit_code(error))

    return wrapper


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _echo_table(header: list[str], rows: list[list[str]]) -> None:
    """Print rows under ``header`` in aligned columns (the last one unpadded)."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        click.echo("  ".join([cell.ljust(w) for cell, w in zip(row, widths)] + [row[-1]]).rstrip())


@click.group()
@click.version_option(package_name="annotator")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Claim-verification annotation service: ingest, claims, mentions, the API."""
    try:
        ctx.obj = create_app()
    except AnnotatorError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(exit_code(error))


# -- the store ---------------------------------------------------------------


@main.group()
def db() -> None:
    """Create or migrate the store."""


@db.command("upgrade")
@with_app
def db_upgrade() -> None:
    """Create the store or bring it to the newest schema."""
    engine = current_app.extensions["annotator.engine"]
    upgrade(engine)
    click.echo(f"store at {engine.url.render_as_string()} is at schema {current_revision(engine)}")


@db.command("current")
@with_app
def db_current() -> None:
    """Show the store's schema revision; exit 1 if it is behind."""
    engine = current_app.extensions["annotator.engine"]
    revision, head = current_revision(engine), head_revision()
    click.echo(f"{engine.url.render_as_string()}: schema {revision or 'none'} (newest {head})")
    if revision != head:
        click.echo("run `annotator db upgrade`", err=True)
        sys.exit(1)


# -- articles ----------------------------------------------------------------


def _article_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in SUPPORTED_EXTENSIONS)
        else:
            files.append(path)
    return files


def ingest_paths(paths: tuple[Path, ...], *, quiet: bool = False) -> tuple[list, list[InputError]]:
    """Ingest files one transaction each; return the reports and the rejections."""
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
        _echo_json({"files": [_report_dict(r) for r in reports], "rejected": [f.to_dict() for f in failures]})
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
        _echo_json(rows)
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
    _echo_table(["id", "article", "rev", "outlet", "place", "published", "lang", "title"], table)


@articles.command("show")
@click.argument("article_id", type=int)
@with_app
def articles_show(article_id: int) -> None:
    """Print an article's metadata and clean body."""
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
        _echo_json(rows)
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
    from .api.schemas import ClaimCreateSchema
    from marshmallow import ValidationError

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
@click.option("--origin", type=click.Choice([o.value for o in MentionOrigin]))
@click.option("--status", type=click.Choice([s.value for s in MentionStatus]))
@click.option("--json", "as_json", is_flag=True)
@with_app
def mentions_list(claim_id, article_id, origin, status, as_json: bool) -> None:
    """List mentions, e.g. `--origin suggested --status pending` for the review queue."""
    from .models import ArticleRevision

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
        _echo_json(rows)
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
    with transaction() as session:
        mention_service.reject_mention(session, mention_id, decided_by=decided_by)
    click.echo(f"mention {mention_id} rejected")


@main.command()
@with_app
def suggest() -> None:
    """Suggest check-worthy sentences again for every article (after a rule change)."""
    rules = current_app.extensions["annotator.rules"]
    added = 0
    with transaction() as session:
        articles_ = session.scalars(sa.select(Article).order_by(Article.id)).all()
        for article in tqdm(articles_, desc="suggest", unit="article", leave=False):
            added += store_suggestions(session, article.current, rules.checkworthy)
    click.echo(f"{added} new suggestion(s) over {len(articles_)} article(s)")


# -- the service -------------------------------------------------------------


@main.command()
@click.option("--output", "-o", type=click.File("w"), default="-", help="Where to write (default stdout).")
@with_app
def openapi(output) -> None:
    """Write the OpenAPI document of the HTTP API."""
    output.write(json.dumps(current_app.extensions["annotator.api"].spec.to_dict(), indent=2))
    output.write("\n")


def _serve(host: str, port: int) -> None:
    import waitress

    app = _app()
    click.echo(f"annotator API listening on http://{host}:{port}/api  (docs: http://{host}:{port}/api/docs)")
    waitress.serve(app, host=host, port=port, threads=8, _quiet=True)


@main.command()
@click.option("--host", help="Address to listen on (default: the host setting).")
@click.option("--port", type=int, help="Port to listen on (default: the port setting).")
@with_app
def serve(host: str | None, port: int | None) -> None:
    """Start the HTTP service (waitress) and print where it listens."""
    settings = current_app.extensions["annotator.settings"]
    _serve(host or settings.host, port or settings.port)


@main.command()
@click.option("--serve/--no-serve", default=True, help="Start the service at the end (default) or stop.")
@with_app
def run(serve: bool) -> None:
    """The whole job on the embedded defaults: store, seeds, catalogue, suggestions, service."""
    settings = current_app.extensions["annotator.settings"]
    engine = current_app.extensions["annotator.engine"]
    upgrade(engine)
    click.echo(f"store: {engine.url.render_as_string()} (schema {current_revision(engine)})")
    reports, failures = ingest_paths((settings.seeds_dir,))
    for failure in failures:
        click.secho(f"rejected: {failure}", fg="red", err=True)
    if failures:
        sys.exit(exit_code(failures[0]))
    click.echo(
        f"seeds: {sum(r.count('created') for r in reports)} new, "
        f"{sum(r.count('revised') for r in reports)} revised, "
        f"{sum(r.count('unchanged') for r in reports)} unchanged"
    )
    click.get_current_context().invoke(articles_list, as_json=False)
    report = load_catalogue_file(settings.seeds_dir / "claims.yaml")
    session = get_session()
    accepted = session.scalar(
        sa.select(sa.func.count(Mention.id)).where(Mention.origin == MentionOrigin.CATALOGUE)
    )
    pending = session.scalar(
        sa.select(sa.func.count(Mention.id)).where(
            Mention.origin == MentionOrigin.SUGGESTED, Mention.status == MentionStatus.PENDING
        )
    )
    total_claims = report.claims_created + report.claims_updated + report.claims_unchanged
    click.echo(
        f"catalogue: {total_claims} claims, {accepted} located mentions"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(report.match_methods.items()))});"
        f" {pending} suggested sentences await review (`annotator mentions list --origin suggested`)"
    )
    if serve:
        _serve(settings.host, settings.port)


if __name__ == "__main__":
    main()

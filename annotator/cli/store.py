"""Commands on the store: schema, articles, claims, mentions."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from tqdm import tqdm

from ..db import current_revision, get_session, head_revision, transaction, upgrade
from ..errors import Conflict, InputError, NotFound, exit_code
from ..ingest.formats import SUPPORTED_EXTENSIONS
from ..models import Article, ArticleRevision, Claim, Mention, MentionOrigin, MentionStatus
from ..services import mentions as mention_service
from ..services.articles import ingest_file
from ..services.catalogue import store_catalogue
from ..services.mentions import store_suggestions
from .base import echo_json, echo_table, main, with_app

__all__ = ["ingest_paths", "load_catalogue_file", "articles_list"]

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



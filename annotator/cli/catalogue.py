"""The claim catalogue and the mentions: ``annotator claims``, ``mentions`` and ``suggest``."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from ..errors import InputError
from ..vocabulary import MentionOrigin, MentionStatus, values
from .base import echo_json, main, with_app

__all__ = ["load_catalogue_file"]


# -- claims ------------------------------------------------------------------


@main.group()
def claims() -> None:
    """The claim catalogue."""


def load_catalogue_file(path: Path):
    """Load the catalogue file at ``path`` in one transaction: all of it or nothing."""
    from flask import current_app

    from ..db import transaction
    from ..edits import load_catalogue
    from ..services.audit import Actor

    with transaction() as session:
        return load_catalogue(
            session,
            path.read_bytes(),
            source=path.name,
            settings=current_app.extensions["annotator.settings"],
            rules=current_app.extensions["annotator.rules"],
            actor=Actor.local_operator(),
        )


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
    from flask import current_app
    from marshmallow import ValidationError

    from ..api.schemas import ClaimCreateSchema
    from ..db import transaction
    from ..edits import add_claim
    from ..services.audit import Actor

    try:
        data = ClaimCreateSchema().load({"id": claim_id, "text": text, "text_en": text_en})
    except ValidationError as exc:
        raise InputError("invalid claim", {k: list(v) for k, v in exc.normalized_messages().items()}) from exc
    with transaction() as session:
        add_claim(session, data, rules=current_app.extensions["annotator.rules"], actor=Actor.local_operator())
    click.echo(f"added claim {claim_id}")


# -- mentions ----------------------------------------------------------------

BY_COORDINATOR = "The coordinator (by desk e-mail) whose decision this is; default: recorded as the local operator's."


def _coordinator(session, email: str | None):
    from ..services.accounts import acting_for
    from ..services.audit import Actor
    from ..vocabulary import Role

    return acting_for(session, email, Role.COORDINATOR) if email else Actor.local_operator()


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
@click.option("--by", "coordinator_email", help=BY_COORDINATOR)
@with_app
def mentions_accept(mention_id: int, claim_id: str | None, coordinator_email: str | None) -> None:
    """Accept a mention (a suggestion needs --claim)."""
    from flask import current_app

    from ..db import transaction
    from ..edits import accept_mention

    with transaction() as session:
        mention = accept_mention(
            session, mention_id, claim_id=claim_id, rules=current_app.extensions["annotator.rules"],
            actor=_coordinator(session, coordinator_email),
        )
    click.echo(f"mention {mention_id} accepted for claim {mention.claim_id}")


@mentions.command("reject")
@click.argument("mention_id", type=int)
@click.option("--by", "coordinator_email", help=BY_COORDINATOR)
@with_app
def mentions_reject(mention_id: int, coordinator_email: str | None) -> None:
    """Reject a mention."""
    from flask import current_app

    from ..db import transaction
    from ..edits import reject_mention

    with transaction() as session:
        reject_mention(
            session, mention_id, rules=current_app.extensions["annotator.rules"],
            actor=_coordinator(session, coordinator_email),
        )
    click.echo(f"mention {mention_id} rejected")


@main.command()
@with_app
def suggest() -> None:
    """Suggest check-worthy sentences again for every article (after a rule change)."""
    from flask import current_app
    from tqdm import tqdm

    from ..db import transaction
    from ..models import Article
    from ..services.audit import Actor, record
    from ..services.mentions import store_suggestions

    rules = current_app.extensions["annotator.rules"]
    added = 0
    with transaction() as session:
        articles_ = session.scalars(sa.select(Article).order_by(Article.id)).all()
        for article in tqdm(articles_, desc="suggest", unit="article", leave=False):
            added += store_suggestions(session, article.current, rules.checkworthy)
        record(session, Actor.local_operator(), "suggestions.refresh", target_type="articles", after={"added": added})
    click.echo(f"{added} new suggestion(s) over {len(articles_)} article(s)")

"""Edits of the articles, the catalogue and its mentions, as the API and the CLI make them.

Each edit stores through :mod:`annotator.services` and then refreshes, in the same
transaction, the verdicts of every claim it touched
(:func:`~annotator.services.verdicts.refresh_verdicts`): the reads only read the
stored verdict sets, so this is what keeps them fresh.  (The judgments' own write
path is :mod:`annotator.intake`.)  Each edit is made for an
:class:`~annotator.services.audit.Actor` and lands in the audit log with what it
changed.  The caller owns the transaction (:func:`annotator.db.transaction`): a
rejected edit stores nothing, its audit event included.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .config import Settings
from .errors import NotFound
from .models import Article, ArticleRevision, Claim, Mention
from .rules import Rules
from .services import catalogue, mentions
from .services.articles import FileReport, ingest_file
from .services.audit import Actor, record
from .services.catalogue import CatalogueReport
from .services.verdicts import refresh_verdicts

__all__ = [
    "ingest",
    "load_catalogue",
    "add_claim",
    "update_claim",
    "delete_claim",
    "add_mention",
    "set_spans",
    "accept_mention",
    "reject_mention",
]


def ingest(session: Session, data: bytes, *, source: str, settings: Settings, rules: Rules, actor: Actor) -> FileReport:
    """Store one article file; a revised article's claims are refreshed (its
    catalogue mentions moved to the new revision)."""
    report = ingest_file(session, data, source=source, settings=settings, rules=rules)
    changed = [o.article_id for o in report.outcomes if o.status != "unchanged"]
    claims = (
        session.scalars(
            sa.select(Mention.claim_id)
            .join(ArticleRevision)
            .where(ArticleRevision.article_id.in_(changed), Mention.claim_id.is_not(None))
            .distinct()
        )
        if changed
        else ()
    )
    refresh_verdicts(session, list(claims), rules=rules.verdicts)
    for outcome in report.outcomes:
        if outcome.status != "unchanged":
            record(
                session, actor, f"article.{outcome.status}", target_type="articles", target_id=outcome.article_id,
                after={"source": source, "revision": outcome.revision},
            )
    return report


def load_catalogue(
    session: Session, data: bytes | str, *, source: str, settings: Settings, rules: Rules, actor: Actor
) -> CatalogueReport:
    """Store one catalogue file, all or nothing; the claims it names are refreshed."""
    report = catalogue.store_catalogue(session, data, source=source, fuzzy_threshold=settings.fuzzy_threshold)
    refresh_verdicts(session, report.claim_ids, rules=rules.verdicts)
    record(session, actor, "catalogue.load", target_type="catalogue", target_id=source[:100],
           after={"claims": sorted(report.claim_ids)})
    return report


def _claim_state(claim: Claim) -> dict:
    return {"text": claim.text, "text_en": claim.text_en, "story": claim.story}


def add_claim(session: Session, data: dict, *, rules: Rules, actor: Actor) -> Claim:
    claim = catalogue.add_claim(session, data)
    refresh_verdicts(session, [claim.id], rules=rules.verdicts)
    record(session, actor, "claim.add", claim, claim_id=claim.id, after=_claim_state(claim))
    return claim


def update_claim(session: Session, claim_id: str, changes: dict, *, rules: Rules, actor: Actor) -> Claim:
    before = session.get(Claim, claim_id)
    before = _claim_state(before) if before is not None else None
    claim = catalogue.update_claim(session, claim_id, changes)
    refresh_verdicts(session, [claim.id], rules=rules.verdicts)
    record(session, actor, "claim.update", claim, claim_id=claim.id, before=before, after=_claim_state(claim))
    return claim


def delete_claim(session: Session, claim_id: str, *, rules: Rules, actor: Actor) -> None:
    claim = session.get(Claim, claim_id)
    before = _claim_state(claim) if claim is not None else None
    catalogue.delete_claim(session, claim_id)
    refresh_verdicts(session, [claim_id], rules=rules.verdicts)
    record(session, actor, "claim.delete", target_type="claims", target_id=claim_id, claim_id=claim_id, before=before)


def _mention_state(mention: Mention) -> dict:
    return {"claim_id": mention.claim_id, "status": mention.status, "spans": mention.spans}


def add_mention(
    session: Session, *, article_id: int, claim_id: str, spans: list[list[int]], rules: Rules, actor: Actor
) -> Mention:
    """A mention of ``claim_id`` at ``spans`` of the article's current revision."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id}", {"article_id": ["unknown article"]})
    mention = mentions.add_mention(
        session, claim_id=claim_id, revision=article.current, spans=spans, decided_by=actor.label
    )
    refresh_verdicts(session, [mention.claim_id], rules=rules.verdicts)
    record(session, actor, "mention.add", mention, claim_id=mention.claim_id, after=_mention_state(mention))
    return mention


def _decided(session: Session, action: str, mention_id: int, actor: Actor, decide, rules: Rules) -> Mention:
    """Apply ``decide`` to a mention, refresh the claims it was and is about, log it."""
    mention = mentions.get_mention(session, mention_id)
    before = _mention_state(mention)
    mention = decide()
    touched = {before["claim_id"], mention.claim_id} - {None}
    refresh_verdicts(session, sorted(touched), rules=rules.verdicts)
    record(session, actor, action, mention, claim_id=mention.claim_id, before=before, after=_mention_state(mention))
    return mention


def set_spans(session: Session, mention_id: int, spans: list[list[int]], *, rules: Rules, actor: Actor) -> Mention:
    return _decided(
        session, "mention.spans", mention_id, actor,
        lambda: mentions.set_spans(session, mention_id, spans, decided_by=actor.label), rules,
    )


def accept_mention(
    session: Session, mention_id: int, *, claim_id: str | None, rules: Rules, actor: Actor
) -> Mention:
    return _decided(
        session, "mention.accept", mention_id, actor,
        lambda: mentions.accept_mention(session, mention_id, claim_id=claim_id, decided_by=actor.label), rules,
    )


def reject_mention(session: Session, mention_id: int, *, rules: Rules, actor: Actor) -> Mention:
    return _decided(
        session, "mention.reject", mention_id, actor,
        lambda: mentions.reject_mention(session, mention_id, decided_by=actor.label), rules,
    )

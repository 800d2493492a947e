"""Edits of the articles, the catalogue and its mentions, as the API and the CLI make them.

Each edit stores through :mod:`annotator.services` and then refreshes, in the same
transaction, the verdicts of every claim it touched
(:func:`~annotator.services.verdicts.refresh_verdicts`): the reads only read the
stored verdict sets, so this is what keeps them fresh.  (The judgments' own write
path is :mod:`annotator.intake`.)  The caller owns the transaction
(:func:`annotator.db.transaction`): a rejected edit stores nothing.
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


def ingest(session: Session, data: bytes, *, source: str, settings: Settings, rules: Rules) -> FileReport:
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
    return report


def load_catalogue(session: Session, data: bytes | str, *, source: str, settings: Settings, rules: Rules) -> CatalogueReport:
    """Store one catalogue file, all or nothing; the claims it names are refreshed."""
    report = catalogue.store_catalogue(session, data, source=source, fuzzy_threshold=settings.fuzzy_threshold)
    refresh_verdicts(session, report.claim_ids, rules=rules.verdicts)
    return report


def add_claim(session: Session, data: dict, *, rules: Rules) -> Claim:
    claim = catalogue.add_claim(session, data)
    refresh_verdicts(session, [claim.id], rules=rules.verdicts)
    return claim


def update_claim(session: Session, claim_id: str, changes: dict, *, rules: Rules) -> Claim:
    claim = catalogue.update_claim(session, claim_id, changes)
    refresh_verdicts(session, [claim.id], rules=rules.verdicts)
    return claim


def delete_claim(session: Session, claim_id: str, *, rules: Rules) -> None:
    catalogue.delete_claim(session, claim_id)
    refresh_verdicts(session, [claim_id], rules=rules.verdicts)


def add_mention(
    session: Session, *, article_id: int, claim_id: str, spans: list[list[int]], decided_by: str | None, rules: Rules
) -> Mention:
    """A mention of ``claim_id`` at ``spans`` of the article's current revision."""
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id}", {"article_id": ["unknown article"]})
    mention = mentions.add_mention(
        session, claim_id=claim_id, revision=article.current, spans=spans, decided_by=decided_by
    )
    refresh_verdicts(session, [mention.claim_id], rules=rules.verdicts)
    return mention


def set_spans(session: Session, mention_id: int, spans: list[list[int]], *, decided_by: str | None, rules: Rules) -> Mention:
    mention = mentions.set_spans(session, mention_id, spans, decided_by=decided_by)
    refresh_verdicts(session, [mention.claim_id], rules=rules.verdicts)
    return mention


def accept_mention(
    session: Session, mention_id: int, *, claim_id: str | None, decided_by: str | None, rules: Rules
) -> Mention:
    mention = mentions.accept_mention(session, mention_id, claim_id=claim_id, decided_by=decided_by)
    refresh_verdicts(session, [mention.claim_id], rules=rules.verdicts)
    return mention


def reject_mention(session: Session, mention_id: int, *, decided_by: str | None, rules: Rules) -> Mention:
    mention = mentions.reject_mention(session, mention_id, decided_by=decided_by)
    refresh_verdicts(session, [mention.claim_id], rules=rules.verdicts)
    return mention

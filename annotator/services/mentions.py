"""Mentions: claims located in article revisions, suggested sentences, and decisions on them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import Conflict, InputError, NotFound
from ..ingest.locate import locate_quote, validate_spans
from ..ingest.suggest import CheckworthyRules, suggest_sentences
from ..models import (
    ArticleRevision,
    Claim,
    Mention,
    MentionOrigin,
    MentionStatus,
    utcnow,
)

__all__ = [
    "carry_catalogue_mentions",
    "store_suggestions",
    "accept_mention",
    "reject_mention",
    "add_mention",
    "set_spans",
    "get_mention",
]


def get_mention(session: Session, mention_id: int) -> Mention:
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise NotFound(f"no mention with id {mention_id}")
    return mention


def carry_catalogue_mentions(
    session: Session, old: ArticleRevision, new: ArticleRevision, *, fuzzy_threshold: float
) -> list[str]:
    """Locate the catalogue quotes of ``old`` again in ``new``; say which are lost."""
    warnings = []
    old_mentions = session.scalars(
        sa.select(Mention).where(
            Mention.revision_id == old.id, Mention.origin == MentionOrigin.CATALOGUE
        )
    ).all()
    for mention in old_mentions:
        spans = []
        for quote in mention.quotes:
            result = locate_quote(new.body, quote, fuzzy_threshold=fuzzy_threshold)
            if result.span is None:
                warnings.append(
                    f"claim {mention.claim_id}: quote no longer found in revision {new.number}"
                    f" ({result.problem}); the mention stays on revision {old.number}"
                )
                break
            spans.append([result.span.start, result.span.end])
        else:
            session.add(
                Mention(
                    claim_id=mention.claim_id,
                    revision_id=new.id,
                    origin=MentionOrigin.CATALOGUE,
                    status=mention.status,
                    dedup_key=mention.dedup_key,
                    spans=sorted(spans),
                    quotes=list(mention.quotes),
                    match_method=mention.match_method,
                    score=mention.score,
                )
            )
    return warnings


def store_suggestions(session: Session, revision: ArticleRevision, rules: CheckworthyRules) -> int:
    """Store the check-worthy sentences of ``revision`` as pending mentions; count new ones."""
    existing = set(
        session.scalars(
            sa.select(Mention.dedup_key).where(
                Mention.revision_id == revision.id, Mention.origin == MentionOrigin.SUGGESTED
            )
        )
    )
    added = 0
    for suggestion in suggest_sentences(revision.body, rules):
        key = f"{suggestion.start}-{suggestion.end}"
        if key in existing:
            continue
        session.add(
            Mention(
                claim_id=None,
                revision_id=revision.id,
                origin=MentionOrigin.SUGGESTED,
                status=MentionStatus.PENDING,
                dedup_key=key,
                spans=[[suggestion.start, suggestion.end]],
                quotes=[suggestion.text],
                score=suggestion.score,
                reasons=list(suggestion.reasons),
            )
        )
        added += 1
    session.flush()
    return added


def accept_mention(session: Session, mention_id: int, *, claim_id: str | None, decided_by: str | None) -> Mention:
    """Accept a mention as evidence of ``claim_id`` (default: its own claim; a
    suggestion gets its claim here)."""
    mention = get_mention(session, mention_id)
    claim_id = claim_id or mention.claim_id
    if claim_id is None:
        raise InputError(
            "a suggested sentence needs a claim to be accepted for",
            {"claim_id": ["give the id of the claim this sentence is evidence for"]},
        )
    if session.get(Claim, claim_id) is None:
        raise NotFound(f"no claim with id {claim_id!r}", {"claim_id": ["unknown claim id"]})
    if mention.claim_id is not None and mention.claim_id != claim_id:
        raise Conflict(
            f"mention {mention_id} already belongs to claim {mention.claim_id!r}",
            {"claim_id": [f"this mention is evidence for {mention.claim_id!r}; add a new mention instead"]},
        )
    _check_not_duplicate(session, mention.revision_id, claim_id, exclude=mention.id)
    mention.claim_id = claim_id
    _decide(mention, MentionStatus.ACCEPTED, decided_by)
    return mention


def set_spans(session: Session, mention_id: int, spans: list[list[int]], *, decided_by: str | None) -> Mention:
    """Replace a mention's evidence spans (checked against its revision's body)."""
    mention = get_mention(session, mention_id)
    ordered = _checked_spans(spans, mention.revision)
    mention.spans = ordered
    mention.quotes = [mention.revision.body[s:e] for s, e in ordered]
    mention.match_method = None
    mention.decided_by = decided_by
    mention.decided_at = utcnow()
    return mention


def _checked_spans(spans: list[list[int]], revision: ArticleRevision) -> list[list[int]]:
    problems = validate_spans([tuple(s) for s in spans], len(revision.body))
    if problems:
        raise InputError(
            f"invalid evidence spans for a body of {len(revision.body)} characters", {"spans": problems}
        )
    return sorted([int(s[0]), int(s[1])] for s in spans)


def reject_mention(session: Session, mention_id: int, *, decided_by: str | None) -> Mention:
    mention = get_mention(session, mention_id)
    _decide(mention, MentionStatus.REJECTED, decided_by)
    return mention


def add_mention(
    session: Session,
    *,
    claim_id: str,
    revision: ArticleRevision,
    spans: list[list[int]],
    decided_by: str | None,
) -> Mention:
    """A coordinator's own mention: ``claim_id`` in ``revision`` at ``spans``."""
    if session.get(Claim, claim_id) is None:
        raise NotFound(f"no claim with id {claim_id!r}", {"claim_id": ["unknown claim id"]})
    ordered = _checked_spans(spans, revision)
    _check_not_duplicate(session, revision.id, claim_id)
    mention = Mention(
        claim_id=claim_id,
        revision_id=revision.id,
        origin=MentionOrigin.ANNOTATOR,
        status=MentionStatus.ACCEPTED,
        dedup_key=claim_id,
        spans=ordered,
        quotes=[revision.body[s:e] for s, e in ordered],
        decided_by=decided_by,
        decided_at=utcnow(),
    )
    session.add(mention)
    session.flush()
    return mention


def _check_not_duplicate(session: Session, revision_id: int, claim_id: str, exclude: int | None = None) -> None:
    query = sa.select(Mention.id).where(
        Mention.revision_id == revision_id,
        Mention.claim_id == claim_id,
        Mention.status == MentionStatus.ACCEPTED,
    )
    if exclude is not None:
        query = query.where(Mention.id != exclude)
    other = session.scalar(query)
    if other is not None:
        raise Conflict(
            f"claim {claim_id!r} already has an accepted mention ({other}) in this article revision",
            {"claim_id": [f"add the spans to mention {other} (PATCH its spans) instead, or reject it first"]},
        )


def _decide(mention: Mention, status: MentionStatus, decided_by: str | None) -> None:
    mention.status = status
    mention.decided_by = decided_by
    mention.decided_at = utcnow()

"""Article revisions as Label Studio tasks: the data, the claims, the predictions.

A task's ``data``::

    {"text": <clean body>, "title": ..., "article": <external id>, "revision": n,
     "outlet": ..., "published": "YYYY-MM-DD" | "", "annotator_key": "<project key>:rev-<id>",
     "claims": [{"id": <claim id>, "text": ..., "heading": "Claim 1: ...", "mention_id": m}, ...]}

Claims are addressed by position (``verdict_0`` is ``claims[0]``), so a task's
claim list only ever grows: a claim added to an article later is appended.
``annotator_key`` lets a push that crashed after the import, before storing the
ids, find its tasks again instead of importing them twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import Article, ArticleRevision, Claim, Mention, MentionStatus
from .schema import EVIDENCE_LABEL, control_name

__all__ = [
    "RevisionRow",
    "ClaimRow",
    "ArticleClaims",
    "articles_to_push",
    "stories_to_push",
    "claim_rows",
    "task_data",
    "predictions",
    "task_key",
    "payload_hash",
]


@dataclasses.dataclass(frozen=True)
class RevisionRow:
    """What a task shows of an article revision."""

    id: int
    article: str  # the article's external id
    number: int
    title: str | None
    outlet: str | None
    published_on: dt.date | None
    body: str


@dataclasses.dataclass(frozen=True)
class ClaimRow:
    """One claim of a task: the mention annotators judge and the claim it names."""

    mention_id: int
    claim_id: str
    text: str


@dataclasses.dataclass(frozen=True)
class ArticleClaims:
    """One article revision and, per claim, the mention annotators judge plus its spans."""

    revision: RevisionRow
    #: (claim judged, all accepted spans for that claim in this revision)
    claims: tuple[tuple[ClaimRow, tuple[tuple[int, int], ...]], ...]


def task_key(project_key: str, revision_id: int) -> str:
    return f"{project_key}:rev-{revision_id}"


def _pushed_mentions() -> tuple[sa.ColumnElement[bool], ...]:
    """The mentions a push sends: accepted, with a claim, in their article's current revision."""
    current = sa.select(sa.func.max(ArticleRevision.id)).group_by(ArticleRevision.article_id)
    return (
        Mention.status == MentionStatus.ACCEPTED,
        Mention.claim_id.is_not(None),
        Mention.revision_id.in_(current.scalar_subquery()),
    )


def stories_to_push(session: Session) -> list[str]:
    """The stories of the claims a push sends, sorted (they name a new project)."""
    return list(
        session.scalars(
            sa.select(Claim.story)
            .distinct()
            .join(Mention, Mention.claim_id == Claim.id)
            .where(Claim.story.is_not(None), *_pushed_mentions())
            .order_by(Claim.story)
        )
    )


def articles_to_push(session: Session) -> list[ArticleClaims]:
    """Current revisions with at least one accepted claim, claims in a stable order.

    One joined query of plain rows: loading the same as ORM objects took six
    times as long for 1,000 articles (bench/README.md), and a push reads them all.
    """
    rows = session.execute(
        sa.select(
            ArticleRevision.id,
            Article.external_id,
            ArticleRevision.number,
            ArticleRevision.title,
            ArticleRevision.outlet,
            ArticleRevision.published_on,
            ArticleRevision.body,
            Mention.id,
            Mention.claim_id,
            Claim.text,
            Mention.spans,
        )
        .select_from(Mention)
        .join(ArticleRevision, Mention.revision_id == ArticleRevision.id)
        .join(Article, ArticleRevision.article_id == Article.id)
        .join(Claim, Mention.claim_id == Claim.id)
        .where(*_pushed_mentions())
        .order_by(Article.id, Mention.claim_id, Mention.id)
    ).all()
    revisions: dict[int, RevisionRow] = {}
    # revision id -> claim id -> (first accepted mention, every accepted span of the claim)
    grouped: dict[int, dict[str, tuple[ClaimRow, set[tuple[int, int]]]]] = {}
    for rev_id, article, number, title, outlet, published_on, body, mention_id, claim_id, text, spans in rows:
        if rev_id not in revisions:
            revisions[rev_id] = RevisionRow(rev_id, article, number, title, outlet, published_on, body)
        claims = grouped.setdefault(rev_id, {})
        if claim_id not in claims:
            # The first accepted mention is the one judged; every accepted span is suggested.
            claims[claim_id] = (ClaimRow(mention_id, claim_id, text), set())
        claims[claim_id][1].update((int(s), int(e)) for s, e in spans or ())
    return [
        ArticleClaims(
            revisions[rev_id], tuple((claim, tuple(sorted(spans))) for claim, spans in claims.values())
        )
        for rev_id, claims in grouped.items()
    ]


def claim_rows(session: Session, mention_ids: Iterable[int]) -> dict[int, ClaimRow]:
    """The claims of some mentions, by mention id (mentions without a claim are left out)."""
    rows = session.execute(
        sa.select(Mention.id, Mention.claim_id, Claim.text)
        .join(Claim, Mention.claim_id == Claim.id)
        .where(Mention.id.in_(list(mention_ids)))
    )
    return {mention_id: ClaimRow(mention_id, claim_id, text) for mention_id, claim_id, text in rows}


def _claim_entry(index: int, claim: ClaimRow) -> dict:
    return {
        "id": claim.claim_id,
        "text": claim.text,
        "heading": f"Claim {index + 1}: {claim.text}",
        "mention_id": claim.mention_id,
    }


def task_data(project_key: str, revision: RevisionRow, claims: list[ClaimRow]) -> dict:
    """The ``data`` of the task for ``revision`` with ``claims`` in Repeater order."""
    return {
        "text": revision.body,
        "title": revision.title or f"{revision.outlet or 'Article'} ({revision.article})",
        "article": revision.article,
        "revision": revision.number,
        "outlet": revision.outlet or "",
        "published": revision.published_on.isoformat() if revision.published_on else "",
        "annotator_key": task_key(project_key, revision.id),
        "claims": [_claim_entry(i, c) for i, c in enumerate(claims)],
    }


def predictions(body: str, spans_by_index: dict[int, tuple[tuple[int, int], ...]]) -> list[dict]:
    """Label Studio prediction results pre-highlighting each claim's located spans."""
    return [
        {
            "id": f"sugg-{index}-{start}",
            "from_name": control_name("evidence", index),
            "to_name": "text",
            "type": "labels",
            "value": {"start": start, "end": end, "text": body[start:end], "labels": [EVIDENCE_LABEL]},
        }
        for index, spans in sorted(spans_by_index.items())
        for start, end in spans
    ]


def payload_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

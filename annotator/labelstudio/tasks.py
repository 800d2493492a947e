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
import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..models import Article, ArticleRevision, Mention, MentionStatus
from .schema import EVIDENCE_LABEL, control_name

__all__ = ["ArticleClaims", "articles_to_push", "task_data", "predictions", "task_key", "payload_hash"]


@dataclasses.dataclass(frozen=True)
class ArticleClaims:
    """One article revision and, per claim, the mention annotators judge plus its spans."""

    revision: ArticleRevision
    #: (mention judged, all accepted spans for that claim in this revision)
    claims: tuple[tuple[Mention, tuple[tuple[int, int], ...]], ...]


def task_key(project_key: str, revision_id: int) -> str:
    return f"{project_key}:rev-{revision_id}"


def articles_to_push(session: Session) -> list[ArticleClaims]:
    """Current revisions with at least one accepted claim, claims in a stable order."""
    mentions = session.scalars(
        sa.select(Mention)
        .join(ArticleRevision)
        .join(Article)
        .where(Mention.status == MentionStatus.ACCEPTED, Mention.claim_id.is_not(None))
        .order_by(Article.id, Mention.claim_id, Mention.id)
        .options(selectinload(Mention.claim), selectinload(Mention.revision).selectinload(ArticleRevision.article))
    ).all()
    current = dict(
        session.execute(
            sa.select(ArticleRevision.article_id, sa.func.max(ArticleRevision.id)).group_by(ArticleRevision.article_id)
        ).all()
    )
    by_revision: dict[int, dict[str, list[Mention]]] = {}
    for mention in mentions:
        if current.get(mention.revision.article_id) != mention.revision_id:
            continue
        by_revision.setdefault(mention.revision_id, {}).setdefault(mention.claim_id, []).append(mention)
    result = []
    for claims in by_revision.values():
        revision = next(iter(claims.values()))[0].revision
        entries = []
        for group in claims.values():
            # The first accepted mention is the one judged; every accepted span is suggested.
            spans = sorted({(int(s), int(e)) for m in group for s, e in m.spans})
            entries.append((group[0], tuple(spans)))
        result.append(ArticleClaims(revision, tuple(entries)))
    return result


def _claim_entry(index: int, mention: Mention) -> dict:
    return {
        "id": mention.claim_id,
        "text": mention.claim.text,
        "heading": f"Claim {index + 1}: {mention.claim.text}",
        "mention_id": mention.id,
    }


def task_data(project_key: str, revision: ArticleRevision, mentions: list[Mention]) -> dict:
    """The ``data`` of the task for ``revision`` with ``mentions`` in Repeater order."""
    article = revision.article
    return {
        "text": revision.body,
        "title": revision.title or f"{revision.outlet or 'Article'} ({article.external_id})",
        "article": article.external_id,
        "revision": revision.number,
        "outlet": revision.outlet or "",
        "published": revision.published_on.isoformat() if revision.published_on else "",
        "annotator_key": task_key(project_key, revision.id),
        "claims": [_claim_entry(i, m) for i, m in enumerate(mentions)],
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

"""The judgments behind a verdict, each saying whether it counts and if not, why.

The rules are :mod:`~.table`'s, told one judgment at a time: the judgment table
keeps only what counts, and a reader asking "why not this one?" needs the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Annotator, ArticleRevision, Judgment, JudgmentState, Mention
from ...rules.verdicts import VerdictRules
from ...verdicts import LabelSet

__all__ = ["judgment_rows"]


def judgment_rows(
    session: Session,
    rules: VerdictRules,
    mention_ids: list[int] | None,
    include_simulated: bool,
    *,
    unit_of: Callable[[int], int | None] | None = None,
) -> list[dict[str, Any]]:
    """Every judgment of these mentions (None: of every mention of a claim), each saying
    whether it counts and if not, why; by judgment id.

    ``unit_of`` names the unit of each mention (default: they are all one unit): an
    annotator counts once per unit, with the judgment of the newest revision."""
    judged = session.execute(_judgments_query(mention_ids)).all()
    why_not = _why_not_counted(judged, rules.labels, include_simulated, unit_of)
    return [
        {
            "id": j.id,
            "mention_id": j.mention_id,
            "annotator_id": j.annotator_id,
            "annotator": j.annotator,
            "verdict": j.verdict.value if j.verdict else None,
            "state": j.state.value,
            "simulated": bool(j.simulated or j.annotator_simulated),
            "confidence": j.confidence,
            "note": j.note,
            "evidence": j.evidence,
            "counted": j.id not in why_not,
            "not_counted_because": why_not.get(j.id),
            "updated_at": j.updated_at,
        }
        for j in judged
    ]


def _judgments_query(mention_ids: list[int] | None) -> sa.Select:
    """Judgments with their annotator and revision number, by id (None: of every mention of a claim)."""
    query = (
        sa.select(
            Judgment.id,
            Judgment.mention_id,
            Annotator.id.label("annotator_id"),
            Annotator.email.label("annotator"),
            Judgment.verdict,
            Judgment.state,
            Judgment.simulated,
            Annotator.simulated.label("annotator_simulated"),
            Judgment.confidence,
            Judgment.note,
            Judgment.evidence,
            Judgment.updated_at,
            ArticleRevision.number.label("revision"),
        )
        .join(Annotator, Annotator.id == Judgment.annotator_id)
        .join(Mention, Mention.id == Judgment.mention_id)
        .join(ArticleRevision, ArticleRevision.id == Mention.revision_id)
        .order_by(Judgment.id)
    )
    if mention_ids is None:
        return query.where(Mention.claim_id.is_not(None))
    return query.where(Judgment.mention_id.in_(mention_ids))


def _why_not_counted(
    judged: list[sa.Row],
    labels: LabelSet,
    include_simulated: bool,
    unit_of: Callable[[int], int | None] | None,
) -> dict[int, str]:
    """Why each judgment that does not count does not, by judgment id."""
    why_not: dict[int, str] = {}
    best: dict[tuple[int | None, int], tuple[int, int]] = {}  # (unit, annotator) -> (revision, judgment id)
    for j in judged:
        if j.state is not JudgmentState.ACTIVE:
            why_not[j.id] = j.state.value
        elif j.verdict is None:
            why_not[j.id] = "no verdict"
        elif j.verdict.value not in labels.labels:
            why_not[j.id] = "verdict not among the configured labels"
        elif (j.simulated or j.annotator_simulated) and not include_simulated:
            why_not[j.id] = "simulated"
        else:
            who = (unit_of(j.mention_id) if unit_of else None, j.annotator_id)
            previous = best.get(who)
            if previous is None or (j.revision, j.id) > previous:
                if previous is not None:
                    why_not[previous[1]] = f"superseded by judgment {j.id}"
                best[who] = (j.revision, j.id)
            else:
                why_not[j.id] = f"superseded by judgment {previous[1]}"
    return why_not

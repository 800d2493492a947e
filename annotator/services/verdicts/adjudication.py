"""Adjudication: an editor's verdict on a claim (or one of its mentions), with its trail.

An adjudication replaces the one that stood for the same claim (or mention),
never overwrites it (``replaces_id`` chains them: the audit trail), stands as
the verdict with status *adjudicated*, and keeps the vote counts and the
method's own verdict (``computed_verdict``) beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, selectinload

from ...errors import InputError, NotFound
from ...models import (
    Adjudication,
    AdjudicationBasis,
    Claim,
    ClaimVerdict,
    Mention,
    MentionStatus,
    Verdict,
    VerdictStatus,
    utcnow,
)
from ...rules.verdicts import VerdictRules
from ..audit import Actor, record
from .compute import claim_frame, counts_of, mention_frame
from .sets import scoring_model, verdict_set
from .table import clean, load_table, require_claim

__all__ = ["record_adjudication", "adjudication_dict", "adjudication_dicts", "adjudication_trail"]


def record_adjudication(
    session: Session,
    rules: VerdictRules,
    *,
    claim_id: str,
    verdict: str,
    reason: str,
    actor: Actor,
    mention_id: int | None = None,
    include_simulated: bool = False,
) -> Adjudication:
    """Record an adjudicator's verdict on a claim (or one of its mentions).

    It replaces the adjudication that stood for the same claim or mention (the
    audit trail keeps both), and stands in every verdict set at once.  What it
    replaced — the standing adjudication, or the configured method's computed
    verdict and counts over ``include_simulated``'s population — is recorded
    with it.  Unknown claim or mention: :class:`NotFound`; a verdict outside
    the configured labels, an empty reason, a mention of another claim or one not
    accepted: :class:`InputError`.  ``actor`` is who decided (their desk account,
    or the local operator); the audit log records it.  Flushes; the caller commits.
    """
    _check_adjudication(session, rules, claim_id, verdict, reason, mention_id)
    standing = _standing(session, claim_id, mention_id)
    basis = _basis(session, rules, claim_id, mention_id, include_simulated)
    adjudication = Adjudication(
        claim_id=claim_id,
        mention_id=mention_id,
        verdict=Verdict(verdict),
        reason=reason.strip(),
        adjudicator=actor.label,
        adjudicator_id=actor.person_id,
        replaces_id=standing.id if standing else None,
        created_at=utcnow(),
    )
    session.add(adjudication)
    session.flush()
    session.add(AdjudicationBasis(adjudication_id=adjudication.id, **basis))
    if mention_id is None:
        _stand_in_every_set(session, adjudication)
    session.flush()
    record(
        session,
        actor,
        "adjudication.add",
        adjudication,
        claim_id=claim_id,
        before={"replaces": standing.id if standing else None, "computed_verdict": basis["computed_verdict"],
                "status": basis["status"]},
        after={"verdict": verdict, "reason": adjudication.reason, "mention_id": mention_id},
    )
    return adjudication


def _stand_in_every_set(session: Session, adjudication: Adjudication) -> None:
    """Make a claim's adjudication its verdict in every set: no recomputation, the counts stay."""
    session.execute(
        sa.update(ClaimVerdict)
        .where(ClaimVerdict.claim_id == adjudication.claim_id)
        .values(
            verdict=adjudication.verdict,
            status=VerdictStatus.ADJUDICATED,
            reason=None,
            adjudication_id=adjudication.id,
        )
        .execution_options(synchronize_session=False)
    )


def _check_adjudication(
    session: Session,
    rules: VerdictRules,
    claim_id: str,
    verdict: str,
    reason: str,
    mention_id: int | None,
) -> None:
    """Raise unless the adjudication can be recorded; locks the claim, so one
    adjudication of it at a time finds the one standing."""
    errors: dict[str, list[str]] = {}
    if verdict not in rules.labels.labels:
        errors["verdict"] = [f"{verdict!r} is not one of the verdicts: {', '.join(rules.labels.labels)}"]
    if not (reason or "").strip():
        errors["reason"] = ["say why: an adjudication needs a reason"]
    if session.get(Claim, claim_id, with_for_update=True) is None:
        raise NotFound(f"no claim with id {claim_id!r}", {"claim_id": ["unknown claim"]})
    if mention_id is not None:
        mention = session.get(Mention, mention_id)
        if mention is None:
            raise NotFound(f"no mention with id {mention_id}", {"mention_id": ["unknown mention"]})
        if mention.claim_id != claim_id:
            errors["mention_id"] = [f"mention {mention_id} is a mention of {mention.claim_id!r}, not {claim_id!r}"]
        elif mention.status is not MentionStatus.ACCEPTED:
            errors["mention_id"] = [
                f"mention {mention_id} is {mention.status.value}: only accepted mentions are judged"
            ]
    if errors:
        raise InputError("the adjudication was not recorded", errors)


def _standing(session: Session, claim_id: str, mention_id: int | None) -> Adjudication | None:
    """The adjudication no later one replaced, of the claim itself or of this mention."""
    return session.scalar(
        sa.select(Adjudication)
        .where(
            Adjudication.claim_id == claim_id,
            Adjudication.mention_id.is_(None) if mention_id is None else Adjudication.mention_id == mention_id,
            ~sa.exists().where(aliased(Adjudication).replaces_id == Adjudication.id),
        )
        .order_by(Adjudication.id.desc())
        .limit(1)
    )


def _basis(
    session: Session, rules: VerdictRules, claim_id: str, mention_id: int | None, include_simulated: bool
) -> dict[str, Any]:
    """The computed verdict an adjudication replaces, as it stood when it was made."""
    table = load_table(session, rules, include_simulated=include_simulated, claim_ids=[claim_id])
    method = rules.method
    target = verdict_set(session, rules, method, include_simulated)
    model = scoring_model(rules, target, table)
    if mention_id is None:
        frame = claim_frame(table, rules, method, model)
        row = frame.loc[claim_id]
    else:
        unit = table.unit_of(mention_id)
        row = mention_frame(table, rules, method, model).loc[unit]
    return {
        "method": method,
        "include_simulated": include_simulated,
        "computed_verdict": Verdict(row["verdict"]) if row["verdict"] else None,
        "status": row["status"],
        "reason": row["reason"],
        "support": clean(row["support"]),
        "counts": counts_of(dict(row), rules.labels),
        "n_judgments": int(row["n_judgments"]),
    }


def adjudication_dict(
    adjudication: Adjudication,
    *,
    replaced: Adjudication | None = None,
    replaced_by: int | None = None,
) -> dict[str, Any]:
    """An adjudication as plain data: who decided what, when, and what it replaced
    (the adjudication that stood before, if given, and the computed verdict)."""
    basis = adjudication.basis
    return {
        "id": adjudication.id,
        "claim_id": adjudication.claim_id,
        "mention_id": adjudication.mention_id,
        "verdict": adjudication.verdict.value,
        "reason": adjudication.reason,
        "adjudicator": adjudication.adjudicator,
        "created_at": adjudication.created_at,
        "standing": replaced_by is None,
        "replaced_by_id": replaced_by,
        "replaces_id": adjudication.replaces_id,
        "replaced": (
            {
                "id": replaced.id,
                "verdict": replaced.verdict.value,
                "reason": replaced.reason,
                "adjudicator": replaced.adjudicator,
                "created_at": replaced.created_at,
            }
            if replaced is not None
            else None
        ),
        "computed": (
            {
                "method": basis.method,
                "include_simulated": basis.include_simulated,
                "verdict": basis.computed_verdict.value if basis.computed_verdict else None,
                "status": basis.status,
                "reason": basis.reason,
                "support": basis.support,
                "counts": basis.counts,
                "n_judgments": basis.n_judgments,
            }
            if basis is not None
            else None
        ),
    }


def adjudication_dicts(session: Session, adjudications: Iterable[Adjudication]) -> list[dict[str, Any]]:
    """:func:`adjudication_dict` of each, with what each replaced and what replaced it."""
    items = list(adjudications)
    ids = [a.id for a in items]
    earlier = {a.replaces_id for a in items if a.replaces_id is not None}
    replaced = (
        {a.id: a for a in session.scalars(sa.select(Adjudication).where(Adjudication.id.in_(earlier)))}
        if earlier
        else {}
    )
    later = (
        dict(
            session.execute(
                sa.select(Adjudication.replaces_id, Adjudication.id).where(Adjudication.replaces_id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    return [
        adjudication_dict(a, replaced=replaced.get(a.replaces_id), replaced_by=later.get(a.id)) for a in items
    ]


def adjudication_trail(
    session: Session, *, claim_id: str | None = None, mention_id: int | None = None
) -> sa.Select:
    """The audit trail's query, newest first: every adjudication, standing or replaced."""
    query = sa.select(Adjudication).order_by(Adjudication.id.desc()).options(selectinload(Adjudication.basis))
    if claim_id is not None:
        require_claim(session, claim_id)
        query = query.where(Adjudication.claim_id == claim_id)
    if mention_id is not None:
        query = query.where(Adjudication.mention_id == mention_id)
    return query

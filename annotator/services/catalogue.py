"""The claim catalogue into the store: claims upserted, quotes located as mentions.

The whole file is one unit: if any quote cannot be located, or names an article
the store does not have, nothing of the file is stored and the error lists every
problem by claim and article.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import CatalogueError, Conflict, NotFound
from ..ingest.catalogue import Catalogue, load_catalogue
from ..ingest.locate import locate_quote, validate_spans
from ..models import Article, Claim, Judgment, LabelStudioTask, Mention, MentionOrigin, MentionStatus

__all__ = ["CatalogueReport", "store_catalogue", "get_claim", "add_claim", "update_claim", "delete_claim"]


@dataclasses.dataclass(frozen=True)
class CatalogueReport:
    source: str
    claims_created: int
    claims_updated: int
    claims_unchanged: int
    mentions_created: int
    mentions_updated: int
    mentions_unchanged: int
    #: how each quote was found: {"exact": n, "normalized": n, "fuzzy": n}
    match_methods: dict[str, int]
    #: claims in the store that this file no longer names (kept: they may have judgments)
    not_in_file: tuple[str, ...]
    #: the claims this file names
    claim_ids: tuple[str, ...] = ()


def store_catalogue(session: Session, data: bytes | str, *, source: str, fuzzy_threshold: float) -> CatalogueReport:
    """Validate, locate and store one catalogue file, all or nothing."""
    catalogue = load_catalogue(data, source=source)
    located, problems = _locate_all(session, catalogue, fuzzy_threshold)
    if problems:
        raise CatalogueError(
            f"{source}: {sum(len(v) for v in problems.values())} quote(s) could not be used;"
            " nothing from this file was stored",
            problems,
        )
    counts = dict.fromkeys(
        ["claims_created", "claims_updated", "claims_unchanged",
         "mentions_created", "mentions_updated", "mentions_unchanged"], 0
    )
    methods: dict[str, int] = {}
    for entry in catalogue.claims:
        counts["claims_" + _upsert_claim(session, entry, catalogue.story)] += 1
    session.flush()
    for (claim_id, revision_id), (spans, quotes, method, score) in located.items():
        methods[method] = methods.get(method, 0) + len(quotes)
        counts["mentions_" + _upsert_mention(session, claim_id, revision_id, spans, quotes, method, score)] += 1
    named = {entry.id for entry in catalogue.claims}
    stored = set(session.scalars(sa.select(Claim.id).where(Claim.story == catalogue.story)))
    session.flush()
    return CatalogueReport(
        source=source,
        match_methods=methods,
        not_in_file=tuple(sorted(stored - named)),
        claim_ids=tuple(sorted(named)),
        **counts,
    )


def get_claim(session: Session, claim_id: str) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim with id {claim_id!r}", {"claim_id": ["unknown claim id"]})
    return claim


def add_claim(session: Session, data: dict) -> Claim:
    """One claim added by hand (``data``: a validated ``ClaimCreateSchema``)."""
    if session.get(Claim, data["id"]) is not None:
        raise Conflict(f"claim {data['id']!r} exists", {"id": ["choose another id, or change the claim"]})
    claim = Claim(**data)
    session.add(claim)
    session.flush()
    return claim


def update_claim(session: Session, claim_id: str, changes: dict) -> Claim:
    """Reword a claim (its id is stable)."""
    claim = get_claim(session, claim_id)
    for key, value in changes.items():
        setattr(claim, key, value)
    session.flush()
    return claim


def delete_claim(session: Session, claim_id: str) -> None:
    """Delete a claim and its mentions, refused while judgments or Label Studio tasks
    depend on it."""
    claim = get_claim(session, claim_id)
    judged = session.scalar(
        sa.select(sa.func.count(Judgment.id)).join(Mention).where(Mention.claim_id == claim_id)
    )
    if judged:
        raise Conflict(
            f"claim {claim_id!r} has {judged} judgment(s); deleting it would lose them",
            {"claim_id": ["keep the claim; reword it instead"]},
        )
    mention_ids = {m.id for m in claim.mentions}
    pushed = [
        ls_id
        for ls_id, in_task in session.execute(sa.select(LabelStudioTask.ls_task_id, LabelStudioTask.mention_ids))
        if mention_ids.intersection(in_task)
    ]
    if pushed:
        # Tasks address their claims by position: removing one would renumber the rest.
        raise Conflict(
            f"claim {claim_id!r} is in {len(pushed)} Label Studio task(s) (e.g. task {pushed[0]});"
            " deleting it would renumber the claims annotators see",
            {"claim_id": ["keep the claim; reject its mentions or reword it instead"]},
        )
    for mention in list(claim.mentions):
        session.delete(mention)
    session.delete(claim)
    session.flush()


def _locate_all(session: Session, catalogue: Catalogue, threshold: float):
    articles = {
        a.external_id: a
        for a in session.scalars(
            sa.select(Article).where(
                Article.external_id.in_({m.article for c in catalogue.claims for m in c.mentions})
            )
        )
    }
    located = {}
    problems: dict[str, list[str]] = {}
    for claim in catalogue.claims:
        for mention in claim.mentions:
            where = f"{claim.id} @ {mention.article}"
            article = articles.get(mention.article)
            if article is None:
                problems.setdefault(where, []).append(
                    f"no article {mention.article!r} in the store: ingest it first, or fix the id"
                )
                continue
            revision = article.current
            spans, method, score = [], "exact", 100.0
            for quote in mention.quotes:
                result = locate_quote(revision.body, quote, fuzzy_threshold=threshold)
                if result.span is None:
                    problems.setdefault(where, []).append(f"quote not found ({result.problem}): {quote[:80]!r}")
                    continue
                spans.append([result.span.start, result.span.end])
                method = _worst(method, result.span.method)
                score = min(score, result.span.score)
            span_problems = validate_spans([tuple(s) for s in spans], len(revision.body))
            if span_problems:
                problems.setdefault(where, []).extend(span_problems)
            if where not in problems:
                # Spans are stored in body order; their quotes follow the same order.
                ordered = sorted(zip(spans, mention.quotes))
                located[(claim.id, revision.id)] = (
                    [s for s, _ in ordered], [q for _, q in ordered], method, score
                )
    return located, problems


_METHOD_RANK = {"exact": 0, "normalized": 1, "fuzzy": 2}


def _worst(a: str, b: str) -> str:
    return a if _METHOD_RANK[a] >= _METHOD_RANK[b] else b


def _upsert_claim(session: Session, entry, story: str) -> str:
    claim = session.get(Claim, entry.id)
    if claim is None:
        session.add(Claim(id=entry.id, text=entry.text, text_en=entry.text_en, story=story))
        return "created"
    if (claim.text, claim.text_en, claim.story) == (entry.text, entry.text_en, story):
        return "unchanged"
    claim.text, claim.text_en, claim.story = entry.text, entry.text_en, story
    return "updated"


def _upsert_mention(session, claim_id, revision_id, spans, quotes, method, score) -> str:
    mention = session.scalar(
        sa.select(Mention).where(
            Mention.revision_id == revision_id,
            Mention.origin == MentionOrigin.CATALOGUE,
            Mention.dedup_key == claim_id,
        )
    )
    if mention is None:
        session.add(
            Mention(
                claim_id=claim_id,
                revision_id=revision_id,
                origin=MentionOrigin.CATALOGUE,
                status=MentionStatus.ACCEPTED,
                dedup_key=claim_id,
                spans=spans,
                quotes=quotes,
                match_method=method,
                score=score,
            )
        )
        return "created"
    if (mention.spans, mention.quotes) == (spans, quotes):
        return "unchanged"
    mention.spans, mention.quotes, mention.match_method, mention.score = spans, quotes, method, score
    return "updated"

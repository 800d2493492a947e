"""Reading verdicts: plain data for the API, the CLI and the reports.

Claim verdicts come from the stored verdict set (:func:`~.sets.stored_set`),
which the write paths keep fresh: nothing here writes.  Mention verdicts, a
claim's timeline and the judgments behind a verdict are computed when asked,
from that claim's judgments.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from ...errors import NotFound, NotReady
from ...paging import page_envelope
from ...models import (
    Adjudication,
    Article,
    ArticleRevision,
    ClaimVerdict,
    Mention,
    MentionStatus,
    VerdictSet,
    VerdictStatus,
)
from ...rules.verdicts import VerdictRules
from ...verdicts import LabelSet, Method, claim_timeline
from .adjudication import adjudication_dict
from .compute import counts_of, mention_frame, overlay
from .judgments import judgment_rows
from .sets import scoring_model, stored_set
from .table import MAX_CLAIMS_IN_QUERY, StoreTable, clean, load_table, require_claim, standing_adjudications

__all__ = [
    "claim_page",
    "claim_verdict_rows",
    "status_counts",
    "set_summary",
    "claim_verdict_dict",
    "claim_detail",
    "mention_detail",
    "mention_rows_all",
    "pending_mentions",
    "article_facts",
    "timelines",
    "mention_rows",
    "scored_mentions",
]


def claim_verdict_rows(
    target: VerdictSet, *, status: str | None = None, claim_id: str | None = None
) -> sa.Select:
    """The query for a set's claim rows (by claim id), with claim and adjudication.

    Joined, not select-in loads: one statement for any number of claims."""
    query = (
        sa.select(ClaimVerdict)
        .where(ClaimVerdict.set_id == target.id)
        .order_by(ClaimVerdict.claim_id)
        .options(
            joinedload(ClaimVerdict.claim),
            joinedload(ClaimVerdict.adjudication).joinedload(Adjudication.basis),
        )
    )
    if status is not None:
        query = query.where(ClaimVerdict.status == VerdictStatus(status))
    if claim_id is not None:
        query = query.where(ClaimVerdict.claim_id == claim_id)
    return query


def status_counts(session: Session, target: VerdictSet) -> dict[str, int]:
    """How many of the set's claims have each status."""
    counts = {status.value: 0 for status in VerdictStatus}
    query = (
        sa.select(ClaimVerdict.status, sa.func.count())
        .where(ClaimVerdict.set_id == target.id)
        .group_by(ClaimVerdict.status)
    )
    for status, count in session.execute(query):
        counts[status.value] = count
    return counts


def set_summary(session: Session, target: VerdictSet) -> dict[str, Any]:
    """What a verdict set holds and when it was computed (and fitted)."""
    return {
        "method": target.method,
        "include_simulated": target.include_simulated,
        "claims": session.scalar(
            sa.select(sa.func.count()).select_from(ClaimVerdict).where(ClaimVerdict.set_id == target.id)
        ),
        "statuses": status_counts(session, target),
        "computed_at": target.computed_at,
        "fitted_at": target.fitted_at,
        "model_judgments": target.model_judgments,
    }


def frame_records(frame: pd.DataFrame) -> list[tuple[Any, dict[str, Any]]]:
    """``(index, row)`` pairs of a verdict frame, each row a plain dict: what
    ``iterrows`` gives, without building a Series per row (measured: most of a
    report's time at desk scale went into those)."""
    index = frame.index
    if isinstance(index, pd.MultiIndex):  # its tolist() boxes every value anew: map the codes
        columns = []
        for values, codes in zip(index.levels, index.codes, strict=True):
            boxed = values.tolist()
            columns.append([boxed[code] for code in codes.tolist()])
        keys = list(zip(*columns))
    else:
        keys = index.tolist()
    return list(zip(keys, frame.to_dict("records"), strict=True))


def frame_verdict(row: dict[str, Any], labels: LabelSet) -> dict[str, Any]:
    """The verdict, its standing and its counts from one row of a verdict frame."""
    return {
        "verdict": row["verdict"],
        "status": row["status"],
        "reason": row["reason"],
        "support": clean(row["support"]),
        "tie": bool(row["tie"]),
        "counts": counts_of(row, labels),
        "n_judgments": int(row["n_judgments"]),
        "n_annotators": int(row["n_annotators"]),
    }


def claim_verdict_dict(row: ClaimVerdict, target: VerdictSet, labels: LabelSet) -> dict[str, Any]:
    """A stored claim verdict as plain data (API and CLI)."""
    return {
        "claim_id": row.claim_id,
        "claim_text": row.claim.text if row.claim is not None else None,
        "method": target.method,
        "include_simulated": target.include_simulated,
        "verdict": row.verdict.value if row.verdict else None,
        "status": row.status.value,
        "reason": row.reason,
        "computed_verdict": row.computed_verdict.value if row.computed_verdict else None,
        "support": row.support,
        "tie": row.tie,
        "counts": counts_of(row, labels),
        "n_judgments": row.n_judgments,
        "n_annotators": row.n_annotators,
        "n_articles": row.n_articles,
        "adjudication": adjudication_dict(row.adjudication) if row.adjudication else None,
        "computed_at": row.computed_at,
    }


def mention_rows(
    session: Session, table: StoreTable, frame: pd.DataFrame, rules: VerdictRules, method: str
) -> list[dict[str, Any]]:
    """Mention verdicts as plain data, in publication order (undated last)."""
    if frame.empty:
        return []
    adjudications: dict[int, Adjudication] = {}
    claims = sorted(set(frame["claim"]))
    for adjudication in standing_adjudications(session, claims):
        if adjudication.mention_id is not None:
            unit = table.unit_of(adjudication.mention_id)
            if unit is not None and (unit not in adjudications or adjudications[unit].id < adjudication.id):
                adjudications[unit] = adjudication
    frame = overlay(frame, adjudications)
    articles = article_facts(session, None if len(claims) > MAX_CLAIMS_IN_QUERY else claims)
    by_id = {a.id: a for a in adjudications.values()}
    rows = []
    revisions = dict(zip(table.units.index.tolist(), table.units["revision"].tolist(), strict=True))
    inferred = dict(zip(table.units.index.tolist(), table.units["inferred"].tolist(), strict=True))
    for unit, row in frame_records(frame):
        article = articles.get(int(row["article"]))
        revision_number = int(revisions[unit])
        revision = article["revisions"].get(revision_number) if article else None
        rows.append(
            {
                "mention_id": int(unit),
                "merged_mention_ids": table.merged(unit),
                "claim_id": row["claim"],
                "article_id": int(row["article"]),
                "article": article["external_id"] if article else None,
                "revision": revision_number,
                "outlet": revision["outlet"] if revision else None,
                "title": revision["title"] if revision else None,
                "published_on": clean(row["date"]),
                "published_year_inferred": bool(inferred[unit]) if clean(row["date"]) else False,
                "method": method,
                **frame_verdict(row, rules.labels),
                "computed_verdict": row["computed_verdict"],
                "adjudication": (
                    adjudication_dict(by_id[row["adjudication_id"]])
                    if row["adjudication_id"] is not None
                    else None
                ),
            }
        )
    rows.sort(key=lambda r: (r["published_on"] is None, r["published_on"] or "", r["article_id"]))
    return rows


def article_facts(session: Session, claim_ids: list[str] | None) -> dict[int, dict[str, Any]]:
    """Per article with an accepted mention of these claims (None: any): its external id,
    each revision's outlet and title by number, and the current revision's URL.

    One narrow query: selecting whole revisions would read every article body."""
    with_mentions = sa.select(ArticleRevision.article_id).join(Mention, Mention.revision_id == ArticleRevision.id)
    with_mentions = with_mentions.where(Mention.status == MentionStatus.ACCEPTED)
    if claim_ids is not None:
        with_mentions = with_mentions.where(Mention.claim_id.in_(claim_ids))
    query = (
        sa.select(
            Article.id, Article.external_id, ArticleRevision.number, ArticleRevision.outlet,
            ArticleRevision.title, ArticleRevision.url,
        )
        .join(ArticleRevision, ArticleRevision.article_id == Article.id)
        .where(Article.id.in_(with_mentions))
        .order_by(Article.id, ArticleRevision.number)
    )
    facts: dict[int, dict[str, Any]] = {}
    for article_id, external_id, number, outlet, title, url in session.execute(query):
        entry = facts.setdefault(article_id, {"external_id": external_id, "revisions": {}})
        entry["revisions"][number] = {"outlet": outlet, "title": title}
        entry["url"] = url  # ordered by number: the last one seen is the current revision
    return facts


def timelines(
    table: StoreTable, rules: VerdictRules, claim_ids: list[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per claim (of ``claim_ids``; None: of the table), its majority verdict as of each
    publication date of its judged mentions."""
    links = table.mentions.frame
    dated = links.loc[links.index.isin(table.judgments.units) & links["date"].notna()]
    if table.judgments.n_judgments == 0 or dated.empty:
        return {}
    published: dict[tuple, list[int]] = {}
    for unit, claim, date in zip(dated.index.tolist(), dated["claim"].tolist(), dated["date"].tolist(), strict=True):
        published.setdefault((claim, date), []).append(int(unit))
    out: dict[str, list[dict[str, Any]]] = {}
    steps = claim_timeline(table.judgments, table.mentions, rules.status)
    if claim_ids is not None:
        steps = steps[steps.index.get_level_values("claim").isin(claim_ids)]
    for (claim, date), row in frame_records(steps):
        out.setdefault(claim, []).append(
            {
                "date": clean(date),
                "mention_ids": sorted(published.get((claim, date), [])),
                "method": Method.MAJORITY.value,
                **frame_verdict(row, rules.labels),
                "n_articles": int(row["n_articles"]),
            }
        )
    return out


def scored_mentions(
    session: Session,
    rules: VerdictRules,
    target: VerdictSet,
    include_simulated: bool,
    claim_ids: list[str] | None = None,
) -> tuple[StoreTable, pd.DataFrame]:
    """The judgment table of these claims (None: every claim) and its mention verdicts
    under ``target``'s method (Dawid–Skene scored with the set's model)."""
    table = load_table(session, rules, include_simulated=include_simulated, claim_ids=claim_ids)
    return table, mention_frame(table, rules, target.method, scoring_model(rules, target, table))


def _mention_views(
    session: Session,
    rules: VerdictRules,
    method: str | None,
    include_simulated: bool,
    claim_ids: list[str] | None,
) -> tuple[VerdictSet, StoreTable, list[dict[str, Any]]]:
    """The stored set of ``method``, and under it the judgment table and the mention
    rows (:func:`mention_rows`) of these claims (None: every claim)."""
    target = stored_set(session, rules, method, include_simulated)
    table, frame = scored_mentions(session, rules, target, include_simulated, claim_ids)
    return target, table, mention_rows(session, table, frame, rules, target.method)


def claim_detail(
    session: Session,
    rules: VerdictRules,
    claim_id: str,
    method: str | None = None,
    include_simulated: bool = False,
) -> dict[str, Any]:
    """A claim's verdict, its mentions' verdicts by publication date, and its timeline."""
    require_claim(session, claim_id)
    target, table, rows = _mention_views(session, rules, method, include_simulated, [claim_id])
    row = session.scalars(claim_verdict_rows(target, claim_id=claim_id)).one_or_none()
    if row is None:  # every write of a claim refreshes its verdict: only a racing reader sees this
        raise NotReady(f"claim {claim_id!r} has no stored verdict yet", {"claim_id": ["try again in a moment"]})
    return claim_verdict_dict(row, target, rules.labels) | {
        "rules": rules.as_dict() | {"method": target.method},
        "dropped": table.dropped,
        "mentions": rows,
        "timeline": timelines(table, rules).get(claim_id, []),
    }


def mention_detail(
    session: Session,
    rules: VerdictRules,
    mention_id: int,
    method: str | None = None,
    include_simulated: bool = False,
) -> dict[str, Any]:
    """One mention's verdict, with the judgments behind it."""
    mention = session.get(Mention, mention_id)
    if mention is None:
        raise NotFound(f"no mention with id {mention_id}", {"mention_id": ["unknown mention"]})
    if mention.claim_id is None or mention.status is not MentionStatus.ACCEPTED:
        raise NotFound(
            f"mention {mention_id} has no verdict: it is {mention.status.value}"
            + ("" if mention.claim_id else " and names no claim"),
            {"mention_id": ["only accepted mentions of a claim are judged"]},
        )
    _target, table, rows = _mention_views(session, rules, method, include_simulated, [mention.claim_id])
    unit = table.unit_of(mention_id)
    if unit is None:  # pragma: no cover - an accepted mention of a claim is always a unit
        raise NotFound(f"mention {mention_id} has no verdict", {"mention_id": ["not a counted mention"]})
    result = next(row for row in rows if row["mention_id"] == unit)
    result["requested_mention_id"] = mention_id
    result["judgments"] = judgment_rows(session, rules, result["merged_mention_ids"], include_simulated)
    return result


def mention_rows_all(
    session: Session,
    rules: VerdictRules,
    method: str | None = None,
    include_simulated: bool = False,
    claim_id: str | None = None,
) -> list[dict[str, Any]]:
    """Every mention's verdict (computed now, over the store or one claim), by claim
    and publication date."""
    if claim_id is not None:
        require_claim(session, claim_id)
    _target, _table, rows = _mention_views(
        session, rules, method, include_simulated, None if claim_id is None else [claim_id]
    )
    return sorted(rows, key=lambda r: r["claim_id"])  # stable: dates stay in order within a claim


def pending_mentions(
    session: Session,
    rules: VerdictRules,
    method: str | None = None,
    include_simulated: bool = False,
    claim_id: str | None = None,
) -> list[dict[str, Any]]:
    """Mentions whose verdict needs adjudication (see :func:`mention_rows_all`)."""
    rows = mention_rows_all(session, rules, method, include_simulated, claim_id)
    return [r for r in rows if r["status"] == VerdictStatus.NEEDS_ADJUDICATION.value]


def claim_page(
    session: Session,
    rules: VerdictRules,
    *,
    method: str | None = None,
    include_simulated: bool = False,
    status: str | None = None,
    claim_id: str | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> dict[str, Any]:
    """A page of claim verdicts (all of them: ``per_page=None``), by claim id, with the
    set's status counts: what the API's lists, the CLI and the reports show."""
    target = stored_set(session, rules, method, include_simulated)
    query = claim_verdict_rows(target, status=status, claim_id=claim_id)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    if per_page is not None:
        query = query.limit(per_page).offset((page - 1) * per_page)
    items = [claim_verdict_dict(row, target, rules.labels) for row in session.scalars(query)]
    return page_envelope(items, total, page, per_page or max(total, 1)) | {
        "method": target.method,
        "include_simulated": target.include_simulated,
        "statuses": status_counts(session, target),
        "computed_at": target.computed_at,
    }

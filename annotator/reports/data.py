"""The report's one plain dict (see :mod:`annotator.reports`), built from the store.

Built from one reading of the judgment table and a fixed number of queries,
whatever the number of claims, mentions and judgments: a desk-sized store
(thousands of articles, tens of thousands of judgments) is one pass, not a query
per claim or per mention (``bench/desk_reads.py`` measures it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import __version__
from ..models import Annotator, ArticleRevision, Claim, Judgment, JudgmentState, Mention, MentionStatus, VerdictStatus, utcnow
from ..rules.reports import ReportConfig
from ..rules.verdicts import VerdictRules
from ..services.verdicts import claim_page, judgment_rows, stored_set
from ..services.verdicts.agreement import claims_agreement, full_agreement
from ..services.verdicts.table import MAX_CLAIMS_IN_QUERY
from ..services.verdicts.views import article_facts, mention_rows, scored_mentions, timelines

__all__ = ["Scope", "report_data"]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _quoted_evidence(session: Session, claim_ids: list[str] | None) -> dict[int, list[dict]]:
    """Per accepted mention of these claims (None: of any), its located spans with their text."""
    query = (
        sa.select(Mention.id, Mention.spans, ArticleRevision.body)
        .join(ArticleRevision, ArticleRevision.id == Mention.revision_id)
        .where(Mention.status == MentionStatus.ACCEPTED, Mention.claim_id.is_not(None))
    )
    if claim_ids is not None:
        query = query.where(Mention.claim_id.in_(claim_ids))
    return {
        mention_id: [{"start": s, "end": e, "text": body[s:e]} for s, e in spans or ()]
        for mention_id, spans, body in session.execute(query)
    }


def _counted_judgments(
    session: Session, rules: VerdictRules, table, include_simulated: bool, mention_ids: list[int] | None
) -> dict[int, list]:
    """Per unit, the judgments that count in it, as the report shows them."""
    by_unit: dict[int, list[dict]] = defaultdict(list)
    for j in judgment_rows(session, rules, mention_ids, include_simulated, unit_of=table.unit_of):
        unit = table.unit_of(j["mention_id"])
        if j["counted"] and unit is not None:
            by_unit[unit].append(
                {
                    "judgment_id": j["id"],
                    "annotator": j["annotator"],
                    "verdict": j["verdict"],
                    "confidence": j["confidence"],
                    "evidence": j["evidence"],
                    "note": j["note"],
                    "simulated": j["simulated"],
                }
            )
    return by_unit


def _mention_entry(row: dict, evidence: dict[int, list], judged: dict[int, list], urls: dict[int, Any]) -> dict:
    return {
        "mention_id": row["mention_id"],
        "article": {
            "external_id": row["article"],
            "title": row["title"],
            "outlet": row["outlet"],
            "url": urls.get(row["article_id"]),
            "published_on": _iso(row["published_on"]),
            "published_year_inferred": row["published_year_inferred"],
        },
        **{key: row[key] for key in ("verdict", "computed_verdict", "counts", "support", "tie", "status", "reason")},
        "n_judgments": row["n_judgments"],
        "n_annotators": row["n_annotators"],
        "evidence": [span for m in sorted(row["merged_mention_ids"]) for span in evidence.get(m, ())],
        "judgments": judged.get(row["mention_id"], []),
    }


def _claim_entry(verdict: dict, claim, figures: dict, mentions: list[dict], timeline: list[dict]) -> dict:
    keys = ("verdict", "computed_verdict", "method", "counts", "support", "tie", "status", "reason")
    return {
        "id": verdict["claim_id"],
        "text": claim.text,
        "text_en": claim.text_en,
        "story": claim.story,
        **{key: verdict[key] for key in keys},
        "n_judgments": verdict["n_judgments"],
        "n_annotators": verdict["n_annotators"],
        "n_articles": verdict.get("n_articles", 0),
        "agreement": {k: v for k, v in figures.items() if isinstance(v, dict)},
        "adjudication": _jsonable(verdict.get("adjudication")),
        "mentions": mentions,
        "timeline": [{k: _iso(v) for k, v in point.items()} for point in timeline],
    }


@dataclasses.dataclass(frozen=True)
class Scope:
    """Which claims a report shows: all of them with their evidence (a report file), a
    page of the claim list without evidence (the live overview), or one claim."""

    claim_id: str | None = None
    status: str | None = None
    page: int = 1
    per_page: int | None = None
    evidence: bool = True


def report_data(
    session: Session,
    rules: VerdictRules,
    config: ReportConfig,
    *,
    project_key: str,
    method: str | None = None,
    include_simulated: bool = False,
    now: dt.datetime | None = None,
    scope: Scope = Scope(),
) -> dict[str, Any]:
    """Everything a report shows, as plain JSON-ready data.

    The summary and the agreement figures cover the whole project (one claim, for a
    claim's page); the claims, their mentions and judgments only the ``scope``."""
    target = stored_set(session, rules, method, include_simulated)
    listing = claim_page(
        session, rules, method=target.method, include_simulated=include_simulated,
        status=scope.status, claim_id=scope.claim_id, page=scope.page, per_page=scope.per_page,
    )
    only = None if scope.claim_id is None else [scope.claim_id]
    table, frame = scored_mentions(session, rules, target, include_simulated, only)
    shown = [v["claim_id"] for v in listing["items"]]
    per_claim = _mentions(
        session, rules, table, frame, target.method, include_simulated, shown, scope.evidence, whole=only is None
    )
    lines = timelines(table, rules, shown)
    figures = {row["claim_id"]: row for row in claims_agreement(table, shown)}
    claims_by_id = {claim.id: claim for claim in session.scalars(sa.select(Claim))}
    claims = [
        _claim_entry(v, claims_by_id[v["claim_id"]], figures.get(v["claim_id"], {}), per_claim.get(v["claim_id"], []),
                     lines.get(v["claim_id"], []))
        for v in listing["items"]
    ]
    data = _assemble(session, rules, config, target, claims, full_agreement(table, include_simulated), project_key,
                     include_simulated, now)
    if scope.per_page is not None:  # a page of the list: the summary and the queue cover every claim
        data["listing"] = {k: listing[k] for k in ("page", "per_page", "total", "pages")} | {"status": scope.status}
        data["summary"] |= {
            "claims": sum(listing["statuses"].values()),
            "settled": listing["statuses"][VerdictStatus.SETTLED.value],
            "needs_adjudication": listing["statuses"][VerdictStatus.NEEDS_ADJUDICATION.value],
            "adjudicated": listing["statuses"][VerdictStatus.ADJUDICATED.value],
            "articles": int(table.mentions.frame["article"].nunique()) if len(table.mentions.units) else 0,
        }
        queue = claim_page(session, rules, method=target.method, include_simulated=include_simulated,
                           status=VerdictStatus.NEEDS_ADJUDICATION.value)
        data["pending"] = [{"claim_id": v["claim_id"], "reason": v["reason"]} for v in queue["items"]]
    return data


def _mentions(
    session, rules, table, frame, method, include_simulated, shown, evidence, *, whole: bool
) -> dict[str, list[dict]]:
    """Per claim shown, its mentions; with ``evidence``, their quoted spans and the
    judgments that count (else empty: the live overview charts the mentions only).

    ``whole``: ``table`` holds every claim of the store (else only those shown)."""
    whole = whole and len(shown) == len(table.claims)
    if not whole:
        frame = frame[frame["claim"].isin(shown)]
    only = None if whole or len(shown) > MAX_CLAIMS_IN_QUERY else shown
    quoted, judged = {}, {}
    if evidence:
        mention_ids = None if only is None else [int(m) for m in table.mention_units.index]
        quoted = _quoted_evidence(session, only)
        judged = _counted_judgments(session, rules, table, include_simulated, mention_ids)
    urls = {article_id: facts.get("url") for article_id, facts in article_facts(session, only).items()}
    per_claim: dict[str, list[dict]] = defaultdict(list)
    for row in mention_rows(session, table, frame, rules, method):
        per_claim[row["claim_id"]].append(_mention_entry(row, quoted, judged, urls))
    return per_claim


def _assemble(session, rules, config, target, claims, agreement, project_key, include_simulated, now) -> dict:
    """The report dict around its claims: who, when, under which rules, the summary."""
    statuses = {status.value: 0 for status in VerdictStatus}
    for claim in claims:
        statuses[claim["status"]] += 1
    simulated = session.execute(
        sa.select(sa.func.count(sa.distinct(Judgment.annotator_id)), sa.func.count(Judgment.id))
        .join(Annotator, Annotator.id == Judgment.annotator_id)
        .where(Judgment.state == JudgmentState.ACTIVE, sa.or_(Judgment.simulated, Annotator.simulated))
    ).one()
    stories = sorted({c["story"] for c in claims if c["story"]})
    return {
        "tool": {"name": "annotator", "version": __version__},
        "generated_at": (now or utcnow()).isoformat(),
        "project": {"key": project_key, "story": ", ".join(stories) or None},
        "organisation": {"name": config.organisation_name, "url": config.organisation_url},
        "review_url": config.review_url,
        "language": config.language,
        "method": target.method,
        "rules": _jsonable(rules.as_dict()),
        "include_simulated": include_simulated,
        "simulated": {"annotators": simulated[0], "judgments": simulated[1]},
        "summary": {
            "claims": len(claims),
            "settled": statuses[VerdictStatus.SETTLED.value],
            "needs_adjudication": statuses[VerdictStatus.NEEDS_ADJUDICATION.value],
            "adjudicated": statuses[VerdictStatus.ADJUDICATED.value],
            "judgments": agreement.get("n_judgments", 0),
            "annotators": agreement.get("n_annotators", 0),
            "articles": len({m["article"]["external_id"] for c in claims for m in c["mentions"]}),
        },
        "claims": claims,
        "agreement": {
            "project": {k: v for k, v in agreement.items() if isinstance(v, dict) and "value" in v},
            "pairs": _jsonable(agreement.get("pairs")),
            "annotators": _jsonable(agreement.get("annotators")),
        },
        "pending": [
            {"claim_id": c["id"], "reason": c["reason"]}
            for c in claims
            if c["status"] == VerdictStatus.NEEDS_ADJUDICATION.value
        ],
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return _iso(value)

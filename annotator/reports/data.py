"""The report's one plain dict (see :mod:`annotator.reports`), built from the store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from sqlalchemy.orm import Session

from .. import __version__
from ..errors import InputError
from ..models import Annotator, Article, Judgment, JudgmentState, Mention, VerdictStatus, utcnow
from ..services.agreement import claims_agreement_store, full_agreement_store
from ..services.verdicts import (
    claim_detail,
    claim_verdict_dict,
    claim_verdict_rows,
    judgment_rows,
    verdict_set,
)
from ..verdicts_config import VerdictRules

__all__ = ["ReportConfig", "load_report_config", "report_data"]


@dataclasses.dataclass(frozen=True)
class ReportConfig:
    organisation_name: str
    organisation_url: str
    review_url: str
    language: str


class _Organisation(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1))
    url = fields.Url(required=True, require_tld=False)


class _ReportFile(Schema):
    class Meta:
        unknown = RAISE

    organisation = fields.Nested(_Organisation, required=True)
    review_url = fields.String(
        required=True, validate=validate.Regexp(r"^https?://.*\{claim_id\}", error="must be a URL containing {claim_id}")
    )
    language = fields.String(load_default="id", validate=validate.Length(min=2, max=8))


def load_report_config(path: Path) -> ReportConfig:
    """Read and validate ``reports.yaml``; errors name the key to fix."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        data = _ReportFile().load(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the report settings: {exc}") from exc
    except ValidationError as exc:
        raise InputError(
            f"{path}: invalid report settings",
            {f"{path.name}:{k}": [str(v)] for k, v in exc.normalized_messages().items()},
        ) from exc
    return ReportConfig(
        organisation_name=data["organisation"]["name"],
        organisation_url=data["organisation"]["url"],
        review_url=data["review_url"],
        language=data["language"],
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _mention_entry(session: Session, rules: VerdictRules, row: dict, include_simulated: bool) -> dict:
    mentions = session.scalars(sa.select(Mention).where(Mention.id.in_(row["merged_mention_ids"]))).all()
    evidence = []
    for mention in sorted(mentions, key=lambda m: m.id):
        body = mention.revision.body
        evidence += [{"start": s, "end": e, "text": body[s:e]} for s, e in mention.spans]
    article = session.get(Article, row["article_id"])
    current = article.current if article else None
    counted = [
        {
            "judgment_id": j["id"],
            "annotator": j["annotator"],
            "verdict": j["verdict"],
            "confidence": j["confidence"],
            "evidence": j["evidence"],
            "note": j["note"],
            "simulated": j["simulated"],
        }
        for j in judgment_rows(session, rules, row["merged_mention_ids"], include_simulated)
        if j["counted"]
    ]
    return {
        "mention_id": row["mention_id"],
        "article": {
            "external_id": row["article"],
            "title": row["title"],
            "outlet": row["outlet"],
            "url": current.url if current else None,
            "published_on": _iso(row["published_on"]),
            "published_year_inferred": row["published_year_inferred"],
        },
        "verdict": row["verdict"],
        "computed_verdict": row["computed_verdict"],
        "counts": row["counts"],
        "support": row["support"],
        "tie": row["tie"],
        "status": row["status"],
        "reason": row["reason"],
        "n_judgments": row["n_judgments"],
        "n_annotators": row["n_annotators"],
        "evidence": evidence,
        "judgments": counted,
    }


def report_data(
    session: Session,
    rules: VerdictRules,
    config: ReportConfig,
    *,
    project_key: str,
    method: str | None = None,
    include_simulated: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Everything a report shows, as plain JSON-ready data."""
    target = verdict_set(session, rules, method, include_simulated)
    claim_agreement = {row["claim_id"]: row for row in claims_agreement_store(session, rules, include_simulated)}
    claims = []
    for row in session.scalars(claim_verdict_rows(target)):
        verdict = claim_verdict_dict(row, target, rules.labels)
        detail = claim_detail(session, rules, row.claim_id, target.method, include_simulated)
        figures = claim_agreement.get(row.claim_id, {})
        claims.append(
            {
                "id": row.claim_id,
                "text": row.claim.text,
                "text_en": row.claim.text_en,
                "story": row.claim.story,
                "verdict": verdict["verdict"],
                "computed_verdict": verdict["computed_verdict"],
                "method": target.method,
                "counts": verdict["counts"],
                "support": verdict["support"],
                "tie": verdict["tie"],
                "status": verdict["status"],
                "reason": verdict["reason"],
                "n_judgments": verdict["n_judgments"],
                "n_annotators": verdict["n_annotators"],
                "n_articles": verdict.get("n_articles", 0),
                "agreement": {k: v for k, v in figures.items() if isinstance(v, dict)},
                "adjudication": _jsonable(verdict.get("adjudication")),
                "mentions": [
                    _mention_entry(session, rules, m, include_simulated) for m in detail["mentions"]
                ],
                "timeline": [
                    {k: _iso(v) for k, v in point.items()} for point in detail["timeline"]
                ],
            }
        )
    agreement = full_agreement_store(session, rules, include_simulated)
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
            {"claim_id": c["id"], "reason": c["reason"]} for c in claims if c["status"] == VerdictStatus.NEEDS_ADJUDICATION.value
        ],
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return _iso(value)

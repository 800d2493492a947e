"""Who publishes the reports, from ``config/reports.yaml``: the ClaimReview ``author``
and where each review lives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from marshmallow import RAISE, Schema, fields, validate

from .files import read_rule_file

__all__ = ["ReportConfig", "load_report_config", "FILE_NAME"]

FILE_NAME = "reports.yaml"


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
        required=True, validate=validate.Regexp(r"^https?://.*\{claim_id\}", error="must be a URL containing {{claim_id}}")
    )
    language = fields.String(load_default="id", validate=validate.Length(min=2, max=8))


def load_report_config(path: Path) -> ReportConfig:
    """Read and validate ``reports.yaml``; errors name the key, line and column to fix."""
    data = read_rule_file(Path(path), _ReportFile(), "report settings")
    return ReportConfig(
        organisation_name=data["organisation"]["name"],
        organisation_url=data["organisation"]["url"],
        review_url=data["review_url"],
        language=data["language"],
    )

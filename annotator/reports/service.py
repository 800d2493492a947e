"""Reports for a project of the store: the checks and defaults the API and CLI share."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import LabelStudioProject
from .data import load_report_config, report_data

__all__ = ["project_report"]


def project_report(
    session: Session, *, project_key: str | None = None, method: str | None = None, include_simulated: bool = False
) -> dict:
    """The report dict of ``project_key`` (default: the configured project)."""
    settings = current_app.extensions["annotator.settings"]
    key = project_key or settings.label_studio_project
    known = set(session.scalars(sa.select(LabelStudioProject.project_key))) | {settings.label_studio_project}
    if key not in known:
        raise NotFound(
            f"no project {key!r} in this store",
            {"project": [f"known: {', '.join(sorted(known))}"]},
        )
    return report_data(
        session,
        current_app.extensions["annotator.verdict_rules"],
        load_report_config(settings.rule_file("reports.yaml")),
        project_key=key,
        method=method,
        include_simulated=include_simulated,
    )

"""Reports for a project of the store: the checks and defaults the API and CLI share."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import LabelStudioProject
from .data import Scope, report_data

__all__ = ["Scope", "project_report"]


def project_report(
    session: Session,
    *,
    project_key: str | None = None,
    method: str | None = None,
    include_simulated: bool = False,
    scope: Scope = Scope(),
) -> dict:
    """The report dict of ``project_key`` (default: the configured project), over ``scope``."""
    settings = current_app.extensions["annotator.settings"]
    key = project_key or settings.label_studio_project
    known = set(session.scalars(sa.select(LabelStudioProject.project_key))) | {settings.label_studio_project}
    if key not in known:
        raise NotFound(
            f"no project {key!r} in this store",
            {"project": [f"known: {', '.join(sorted(known))}"]},
        )
    rules = current_app.extensions["annotator.rules"]
    return report_data(
        session,
        rules.verdicts,
        rules.reports,
        project_key=key,
        method=method,
        include_simulated=include_simulated,
        scope=scope,
    )

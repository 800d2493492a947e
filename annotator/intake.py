"""Judgments in: what the webhook and the sync gather becomes verdicts.

:mod:`annotator.labelstudio` stores annotations as judgments and says which
mentions it touched; this module hands those to
:func:`annotator.services.verdicts.refresh_verdicts` in the same transaction,
so data flows one way (Label Studio -> judgments -> verdicts) and every caller
(the webhook, ``annotator sync``, ``POST /api/labelstudio/sync``, the
background sync of ``annotator serve``) does it alike.  Label Studio does not
retry a webhook that failed, so ``serve`` also syncs every ``sync_interval``
seconds (and once at start-up) in a daemon thread; a failed round is logged and
the next one tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from .config import Settings
from .db import transaction
from .errors import AnnotatorError
from .labelstudio.connection import connect
from .labelstudio.gather import AppliedChange, Deletion, UserResolver, apply_annotation, delete_annotations
from .labelstudio.push import keep_webhook_on
from .labelstudio.reconcile import NOT_THE_AUTHOR
from .labelstudio.sync import SyncReport, sync
from .models import LabelStudioProject, utcnow
from .rules import Rules
from .services.audit import LABEL_STUDIO, Actor, record
from .services.verdicts import refresh_verdicts

__all__ = [
    "configured_project",
    "gather_annotation",
    "gather_deletion",
    "gather_sync",
    "start_background_sync",
    "sync_once",
]

log = logging.getLogger(__name__)
#: who the background sync of ``annotator serve`` writes as (only rounds that changed something are logged)
BACKGROUND_SYNC = Actor(label="background sync of annotator serve", via="labelstudio")


def configured_project(session: Session, settings: Settings) -> LabelStudioProject | None:
    """The stored project pushes go to (None: never pushed)."""
    return session.scalar(
        sa.select(LabelStudioProject).where(LabelStudioProject.project_key == settings.label_studio_project)
    )


def gather_annotation(
    session: Session,
    rules: Rules,
    project: LabelStudioProject,
    annotation: Any,
    *,
    resolve_user: UserResolver,
    service_user: int | None = None,
) -> AppliedChange:
    """Store one annotation and refresh the verdicts it changed; the caller commits.

    ``service_user`` is the service's own Label Studio user: its changes to an
    annotation count as the author's (it posts on their behalf)."""
    change = apply_annotation(
        session,
        project,
        annotation,
        resolve_user=resolve_user,
        verdicts=rules.project.verdict_values,
        max_rating=rules.project.max_rating,
        trusted_editors=frozenset() if service_user is None else frozenset({service_user}),
    )
    refresh_verdicts(session, mention_ids=change.mention_ids, rules=rules.verdicts)
    if change.edited_by is not None:
        _record_set_aside(session, [change.annotation_id], change.problems)
    return change


def _record_set_aside(session: Session, annotation_ids: list[int], problems: list[str]) -> None:
    """Tell the coordinator (the audit log) about edits that were not their author's."""
    record(
        session, LABEL_STUDIO, "judgments.set_aside", target_type="annotations",
        target_id=",".join(map(str, annotation_ids))[:100],
        after={"annotations": annotation_ids, "problems": [p for p in problems if NOT_THE_AUTHOR in p]},
    )


def gather_deletion(
    session: Session, rules: Rules, project: LabelStudioProject, annotation_ids: Iterable[int]
) -> Deletion:
    """Mark deleted annotations' judgments deleted and refresh their verdicts; the caller commits."""
    deletion = delete_annotations(session, project, annotation_ids)
    refresh_verdicts(session, mention_ids=deletion.mention_ids, rules=rules.verdicts)
    return deletion


def gather_sync(
    session: Session, settings: Settings, rules: Rules, project: LabelStudioProject, *, full: bool = False
) -> SyncReport:
    """Sync ``project`` from Label Studio and refresh the verdicts it changed; the caller commits."""
    report = sync(
        session,
        connect(settings),
        project,
        full=full,
        verdicts=rules.project.verdict_values,
        max_rating=rules.project.max_rating,
    )
    refresh_verdicts(session, mention_ids=report.mention_ids, rules=rules.verdicts)
    if report.set_aside:
        _record_set_aside(session, report.set_aside, report.problems)
    return report


def sync_once(app: Flask) -> None:
    """One sync of the configured project, if it was ever pushed, then a look at its
    webhook (Label Studio switches a hook off after failed deliveries): switched on again
    if need be.  A failure is kept on the project for health and status, then raised."""
    settings = app.extensions["annotator.settings"]
    try:
        with app.app_context(), transaction() as session:
            project = configured_project(session, settings)
            if project is None:
                return
            report = gather_sync(session, settings, app.extensions["annotator.rules"], project)
            if report.created or report.updated or report.deleted:
                record(session, BACKGROUND_SYNC, "labelstudio.sync", project, after=report.as_dict())
            state = keep_webhook_on(connect(settings), settings, project)
            if state != "active":
                log.warning("the Label Studio webhook of %s was %s", project.project_key, state)
                record(session, BACKGROUND_SYNC, f"labelstudio.webhook_{state.replace('-', '_')}", project)
            project.last_sync_error = project.last_sync_failed_at = None
            log.info("background sync: %s", report.summary())
    except AnnotatorError as error:
        with app.app_context(), transaction() as session:
            project = configured_project(session, settings)
            if project is not None:
                project.last_sync_error, project.last_sync_failed_at = str(error)[:2000], utcnow()
        raise


def start_background_sync(app: Flask, interval: float) -> threading.Event:
    """Start the loop; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            try:
                sync_once(app)
            except AnnotatorError as error:
                log.warning("background sync failed, will retry in %.0f s: %s", interval, error)
            except Exception:  # a bug must not end the loop: the next round may succeed
                log.exception("background sync crashed, will retry in %.0f s", interval)
            if stop.wait(interval):
                return

    threading.Thread(target=loop, name="annotator-sync", daemon=True).start()
    return stop

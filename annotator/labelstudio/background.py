"""The service's periodic sync: the source of truth behind the webhooks.

Label Studio does not retry a webhook that failed, so ``annotator serve``
syncs every ``sync_interval`` seconds (and once at start-up) in a daemon
thread.  A failed round is logged and the next one tries again.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Flask

from ..db import transaction
from ..errors import AnnotatorError
from ..models import LabelStudioProject
from .connection import connect
from .sync import sync

__all__ = ["start_background_sync", "sync_once"]

log = logging.getLogger(__name__)


def sync_once(app: Flask) -> None:
    """One sync of the configured project, if it was ever pushed."""
    settings = app.extensions["annotator.settings"]
    with app.app_context(), transaction() as session:
        project = session.scalar(
            sa.select(LabelStudioProject).where(LabelStudioProject.project_key == settings.label_studio_project)
        )
        if project is not None:
            report = sync(session, connect(settings), project)
            log.info("background sync: %s", report)


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

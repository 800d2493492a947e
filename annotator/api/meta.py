"""Service health and version."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from .. import __version__
from ..db import current_revision, get_session, head_revision
from ..intake import configured_project
from ..models import as_utc, utcnow

blp = Blueprint("meta", __name__, url_prefix="/api", description="Health and version")


class LabelStudioHealthSchema(Schema):
    reachable = fields.Boolean(
        allow_none=True, metadata={"description": "whether the last background sync reached it (null: none ran yet)"}
    )
    last_sync_at = fields.DateTime(allow_none=True)
    last_sync_age_seconds = fields.Float(allow_none=True)
    last_sync_failed_at = fields.DateTime(allow_none=True)
    webhook = fields.String(
        metadata={"description": "active, re-enabled or recreated at the last check (Label Studio switches a failing hook off), or unchecked"}
    )
    webhook_checked_at = fields.DateTime(allow_none=True)


class HealthSchema(Schema):
    """Open to anyone, so it names no internals (database, paths, revisions, error texts:
    `annotator status` shows those)."""

    status = fields.String(metadata={"description": "ok, or degraded (see problems)"})
    version = fields.String()
    schema_up_to_date = fields.Boolean(metadata={"description": "false: run `annotator db upgrade`"})
    label_studio = fields.Nested(LabelStudioHealthSchema, allow_none=True, metadata={"description": "null: never pushed"})
    problems = fields.List(fields.String())


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Say whether the service and its store answer."""
        session = get_session()
        session.execute(sa.text("SELECT 1"))
        up_to_date = current_revision(session.get_bind()) == head_revision()
        problems = [] if up_to_date else ["the store's schema is behind: run `annotator db upgrade`"]
        label_studio = _label_studio(session, current_app.extensions["annotator.settings"], problems) if up_to_date else None
        return {
            "status": "degraded" if problems else "ok",
            "version": __version__,
            "schema_up_to_date": up_to_date,
            "label_studio": label_studio,
            "problems": problems,
        }


def _label_studio(session, settings, problems: list[str]) -> dict | None:
    """What the background sync last found of Label Studio (read from the store, so every
    worker answers alike and a health probe never waits on Label Studio)."""
    project = configured_project(session, settings)
    if project is None:
        return None
    now = utcnow()
    synced = as_utc(project.last_synced_at)
    failed = as_utc(project.last_sync_failed_at)
    age = (now - synced).total_seconds() if synced else None
    if failed is not None:
        problems.append(f"the last background sync failed at {failed:%Y-%m-%d %H:%M:%S} UTC: see `annotator status`")
    elif settings.sync_interval and (age is None or age > 3 * settings.sync_interval + 60):
        problems.append("no sync for over three sync intervals: is `annotator serve` running its background sync?")
    if project.webhook_state in ("re-enabled", "recreated"):
        problems.append(f"the webhook was {project.webhook_state} at the last check: Label Studio had switched it off")
    return {
        "reachable": None if synced is None and failed is None else failed is None,
        "last_sync_at": synced,
        "last_sync_age_seconds": round(age, 1) if age is not None else None,
        "last_sync_failed_at": failed,
        "webhook": project.webhook_state or "unchecked",
        "webhook_checked_at": as_utc(project.webhook_checked_at),
    }


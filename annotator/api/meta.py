"""Service health and version."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from .. import __version__
from ..db import current_revision, get_session, head_revision

blp = Blueprint("meta", __name__, url_prefix="/api", description="Health and version")


class HealthSchema(Schema):
    """Open to anyone, so it names no internals (database, paths, revisions)."""

    status = fields.String()
    version = fields.String()
    schema_up_to_date = fields.Boolean(metadata={"description": "false: run `annotator db upgrade`"})


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Say whether the service and its store answer."""
        session = get_session()
        session.execute(sa.text("SELECT 1"))
        return {
            "status": "ok",
            "version": __version__,
            "schema_up_to_date": current_revision(session.get_bind()) == head_revision(),
        }

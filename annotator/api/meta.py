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
    status = fields.String()
    version = fields.String()
    database = fields.String(metadata={"description": "dialect of the store"})
    schema_revision = fields.String(allow_none=True)
    schema_up_to_date = fields.Boolean()


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Say whether the service and its store answer."""
        session = get_session()
        session.execute(sa.text("SELECT 1"))
        revision = current_revision(session.get_bind())
        return {
            "status": "ok",
            "version": __version__,
            "database": session.get_bind().dialect.name,
            "schema_revision": revision,
            "schema_up_to_date": revision == head_revision(),
        }

"""The audit log over HTTP: every change, who made it and how, newest first (admins)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from ..db import get_session
from ..services import audit
from .pagination import PageArgs, page_schema, paginate

__all__ = ["blp"]

blp = Blueprint("audit", __name__, url_prefix="/api", description="The audit log of every change")


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(metadata={"description": "who, as shown"})
    actor_id = fields.Integer(allow_none=True, metadata={"description": "their desk account; none for the CLI and Label Studio"})
    via = fields.String(metadata={"description": "session, token:<name>, cli or labelstudio"})
    action = fields.String()
    target_type = fields.String()
    target_id = fields.String(allow_none=True)
    claim_id = fields.String(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class AuditArgs(PageArgs):
    class Meta:
        unknown = RAISE

    claim_id = fields.String(validate=validate.Length(max=100))
    actor_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    action = fields.String(
        validate=validate.Length(max=64), metadata={"description": "an action, or a prefix ending in a dot (`person.`)"}
    )
    since = fields.AwareDateTime(default_timezone=None, metadata={"description": "ISO 8601 with a time zone"})


@blp.route("/audit", tags=["audit"])
class AuditLog(MethodView):
    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, page_schema(AuditEventSchema))
    def get(self, args):
        """The log, newest first, narrowed by claim, person, action or time."""
        session = get_session()
        query = audit.events(**{k: args.get(k) for k in ("claim_id", "actor_id", "action", "since")})
        page = paginate(session, query, args)
        page["items"] = [audit.event_dict(e) for e in page["items"]]
        return page

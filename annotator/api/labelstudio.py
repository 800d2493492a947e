"""Label Studio over HTTP: push, sync, annotators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from ..db import get_session, transaction
from ..errors import NotFound
from ..desk import add_annotator_account
from ..labelstudio.connection import connect
from ..intake import configured_project, gather_sync
from ..labelstudio.push import push
from ..models import Annotator
from ..services.audit import record
from .auth import caller
from .pagination import PageArgs, page_schema, paginate

blp = Blueprint(
    "labelstudio", __name__, url_prefix="/api", description="Label Studio: push articles, gather judgments, annotators"
)


class PushReportSchema(Schema):
    project_id = fields.Integer()
    project_url = fields.String()
    label_stream_url = fields.String(metadata={"description": "the link annotators open"})
    created_project = fields.Boolean()
    config_updated = fields.Boolean()
    tasks_created = fields.Integer()
    tasks_recovered = fields.Integer()
    tasks_extended = fields.Integer()
    tasks_unchanged = fields.Integer()
    articles_without_claims = fields.Integer(metadata={"description": "articles not pushed: no accepted claim yet"})


class SyncArgs(Schema):
    class Meta:
        unknown = RAISE

    full = fields.Boolean(load_default=False, metadata={"description": "read every task, not only changed ones"})


class AnnotatorSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String(allow_none=True)
    simulated = fields.Boolean()
    ls_user_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class AnnotatorCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    email = fields.Email(required=True)
    name = fields.String(allow_none=True, validate=validate.Length(max=255))
    password = fields.String(load_only=True, validate=validate.Length(min=8, max=128))


class NewAnnotatorSchema(Schema):
    annotator = fields.Nested(AnnotatorSchema)
    password = fields.String(allow_none=True, metadata={"description": "generated password, shown once"})
    invite_url = fields.String(allow_none=True, metadata={"description": "where they sign up (existing server)"})
    login_url = fields.String()


@blp.route("/labelstudio/push")
class Push(MethodView):
    @blp.response(200, PushReportSchema)
    def post(self):
        """Create or update the Label Studio project and import what is new."""
        settings = current_app.extensions["annotator.settings"]
        session = get_session()
        report = push(session, connect(settings), settings, config=current_app.extensions["annotator.rules"].project)
        with transaction() as session:
            record(session, caller(), "labelstudio.push", target_type="ls_projects", target_id=report.project_id,
                   after=report.counts())
        return report


@blp.route("/labelstudio/sync")
class Sync(MethodView):
    @blp.arguments(SyncArgs, location="query")
    @blp.response(200)
    def post(self, args):
        """Gather judgments changed in Label Studio since the last sync."""
        settings = current_app.extensions["annotator.settings"]
        with transaction() as session:
            project = configured_project(session, settings)
            if project is None:
                raise NotFound(f"project {settings.label_studio_project!r} was never pushed: POST /api/labelstudio/push")
            report = gather_sync(session, settings, current_app.extensions["annotator.rules"], project, full=args["full"])
            record(session, caller(), "labelstudio.sync", project, after=report.as_dict() | {"full": args["full"]})
        return report.as_dict()


@blp.route("/annotators")
class Annotators(MethodView):
    @blp.arguments(PageArgs, location="query", unknown=RAISE)
    @blp.response(200, page_schema(AnnotatorSchema))
    def get(self, args):
        """List annotators (simulated ones are marked)."""
        return paginate(get_session(), sa.select(Annotator).order_by(Annotator.id), args)

    @blp.arguments(AnnotatorCreateSchema)
    @blp.response(201, NewAnnotatorSchema)
    def post(self, data):
        """Create a Label Studio login for an annotator, linked to their desk account (made
        if new, with the annotator role); the password is in this answer only."""
        settings = current_app.extensions["annotator.settings"]
        with transaction() as session:
            return add_annotator_account(
                session, caller(), settings, data["email"], name=data.get("name"), password=data.get("password")
            )

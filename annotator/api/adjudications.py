"""Adjudication: an editor's verdict on a claim or mention, the audit trail, and what
still needs adjudication."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from ..db import get_session, transaction
from ..services import verdicts as service
from ..vocabulary import STORE_VERDICTS, VerdictStatus
from .auth import caller
from .pagination import PageArgs, page_schema, paginate
from .verdict_shared import (
    AdjudicationSchema,
    MentionVerdictPageSchema,
    VerdictPageSchema,
    ViewArgs,
    claim_page,
    list_page,
    rules,
)

__all__ = ["blp"]

blp = Blueprint(
    "adjudications",
    __name__,
    url_prefix="/api",
    description="Adjudication: an editor's verdict, the audit trail, what needs adjudication",
)


class PendingArgs(PageArgs, ViewArgs):
    pass


class PendingMentionArgs(PageArgs, ViewArgs):
    claim_id = fields.String(metadata={"description": "only this claim's mentions"})


class TrailArgs(PageArgs):
    claim_id = fields.String()
    mention_id = fields.Integer()


def _not_blank(value: str) -> bool:
    if not value.strip():
        raise ValidationError("must not be blank")
    return True


class AdjudicationCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    claim_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    mention_id = fields.Integer(
        strict=True, allow_none=True, metadata={"description": "adjudicate one mention; omit for the claim"}
    )
    verdict = fields.String(required=True, validate=validate.OneOf(STORE_VERDICTS))
    reason = fields.String(required=True, validate=_not_blank)
    include_simulated = fields.Boolean(
        load_default=False,
        metadata={"description": "population of the computed verdict recorded as what this replaced"},
    )

    @pre_load
    def _no_names(self, data, **_kwargs):
        # The adjudicator is whoever is logged in (or holds the token), never a name sent along.
        if isinstance(data, dict) and "adjudicator" in data:
            raise ValidationError("leave it out: the adjudication is recorded as yours, from your login", "adjudicator")
        return data

    @validates_schema(skip_on_field_errors=True)
    def _configured(self, data, **_kwargs) -> None:
        labels = rules().labels.labels
        if data["verdict"] not in labels:
            raise ValidationError(f"must be one of the configured verdicts: {', '.join(labels)}", "verdict")


AdjudicationPageSchema = page_schema(AdjudicationSchema)


@blp.route("/adjudications", tags=["adjudications"])
class Adjudications(MethodView):
    @blp.arguments(TrailArgs, location="query", unknown=RAISE)
    @blp.response(200, AdjudicationPageSchema)
    def get(self, args):
        """The audit trail, newest first: who decided what, when, and what it replaced."""
        session = get_session()
        query = service.adjudication_trail(
            session, claim_id=args.get("claim_id"), mention_id=args.get("mention_id")
        )
        page = paginate(session, query, args)
        page["items"] = service.adjudication_dicts(session, page["items"])
        return page

    @blp.arguments(AdjudicationCreateSchema)
    @blp.response(201, AdjudicationSchema)
    def post(self, data):
        """Record your verdict on a claim (or one mention), as its adjudicator; it stands from now on."""
        with transaction() as session:
            adjudication = service.record_adjudication(session, rules(), actor=caller(), **data)
            return service.adjudication_dicts(session, [adjudication])[0]


@blp.route("/adjudications/pending", tags=["adjudications"])
class PendingClaims(MethodView):
    @blp.arguments(PendingArgs, location="query", unknown=RAISE)
    @blp.response(200, VerdictPageSchema)
    def get(self, args):
        """Claims whose verdict needs adjudication, and why."""
        return claim_page(get_session(), args, VerdictStatus.NEEDS_ADJUDICATION.value)


@blp.route("/adjudications/pending/mentions", tags=["adjudications"])
class PendingMentions(MethodView):
    @blp.arguments(PendingMentionArgs, location="query", unknown=RAISE)
    @blp.response(200, MentionVerdictPageSchema)
    def get(self, args):
        """Mentions (one claim in one article) whose verdict needs adjudication."""
        rows = service.pending_mentions(
            get_session(), rules(), args.get("method"), args["include_simulated"], args.get("claim_id")
        )
        return list_page(rows, args)

"""Verdicts per claim and per mention, and rebuilding a verdict set.

The reads only read the stored sets (see :mod:`.verdict_shared`); ``POST
/api/verdicts/rebuild`` recomputes one from the whole store.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from ..db import get_session, transaction
from ..services import verdicts as service
from ..services.audit import record
from ..vocabulary import METHODS, VerdictStatus, values
from .auth import caller
from .pagination import PageArgs
from .verdict_shared import (
    ClaimVerdictSchema,
    Counts,
    MentionVerdictSchema,
    VerdictPageSchema,
    ViewArgs,
    claim_page,
    rules,
)

__all__ = ["blp"]

blp = Blueprint("verdicts", __name__, url_prefix="/api", description="Verdicts per claim and per mention")


class VerdictListArgs(PageArgs, ViewArgs):
    status = fields.String(
        validate=validate.OneOf(values(VerdictStatus)), metadata={"description": "only this status"}
    )


class RebuildSchema(Schema):
    class Meta:
        unknown = RAISE

    method = fields.String(validate=validate.OneOf(METHODS))
    include_simulated = fields.Boolean(load_default=False)


class JudgmentSchema(Schema):
    id = fields.Integer()
    mention_id = fields.Integer()
    annotator_id = fields.Integer()
    annotator = fields.String()
    verdict = fields.String(allow_none=True)
    state = fields.String()
    simulated = fields.Boolean()
    confidence = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    evidence = fields.List(fields.Dict())
    counted = fields.Boolean()
    not_counted_because = fields.String(allow_none=True)
    updated_at = fields.DateTime()


class MentionVerdictDetailSchema(MentionVerdictSchema):
    requested_mention_id = fields.Integer()
    judgments = fields.List(fields.Nested(JudgmentSchema))


class TimelineSchema(Schema):
    date = fields.String(metadata={"format": "date"})
    mention_ids = fields.List(fields.Integer(), metadata={"description": "mentions published that day"})
    method = fields.String()
    verdict = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    support = fields.Float(allow_none=True)
    tie = fields.Boolean()
    counts = Counts
    n_judgments = fields.Integer()
    n_annotators = fields.Integer()
    n_articles = fields.Integer()


class ClaimVerdictDetailSchema(ClaimVerdictSchema):
    rules = fields.Dict(metadata={"description": "the rules of config/verdicts.yaml it was computed under"})
    dropped = fields.Dict(keys=fields.String(), values=fields.Integer())
    mentions = fields.List(
        fields.Nested(MentionVerdictSchema), metadata={"description": "by publication date, undated last"}
    )
    timeline = fields.List(
        fields.Nested(TimelineSchema),
        metadata={"description": "the claim's majority verdict as of each publication date"},
    )


class VerdictSetSchema(Schema):
    method = fields.String()
    include_simulated = fields.Boolean()
    claims = fields.Integer()
    computed_at = fields.DateTime()
    statuses = fields.Dict(keys=fields.String(), values=fields.Integer())
    fitted_at = fields.DateTime(allow_none=True)
    model_judgments = fields.Integer(allow_none=True)


@blp.route("/verdicts", tags=["verdicts"])
class Verdicts(MethodView):
    @blp.arguments(VerdictListArgs, location="query", unknown=RAISE)
    @blp.response(200, VerdictPageSchema)
    def get(self, args):
        """Every claim's verdict: counts, verdict, support, status, annotators and articles."""
        return claim_page(get_session(), args, args.get("status"))


@blp.route("/verdicts/rebuild", tags=["verdicts"])
class Rebuild(MethodView):
    @blp.arguments(RebuildSchema)
    @blp.response(200, VerdictSetSchema)
    def post(self, data):
        """Recompute a verdict set from the whole store (refits Dawid–Skene)."""
        with transaction() as session:
            target = service.verdict_set(
                session, rules(), data.get("method"), data["include_simulated"], refit=True
            )
            record(session, caller(), "verdicts.rebuild", target, after={"method": target.method,
                   "include_simulated": target.include_simulated})
            return service.set_summary(session, target)


@blp.route("/verdicts/claims/<claim_id>", tags=["verdicts"])
class ClaimVerdictView(MethodView):
    @blp.arguments(ViewArgs, location="query", unknown=RAISE)
    @blp.response(200, ClaimVerdictDetailSchema)
    def get(self, args, claim_id: str):
        """One claim's verdict, its mentions' verdicts by publication date, and its timeline."""
        return service.claim_detail(get_session(), rules(), claim_id, args.get("method"), args["include_simulated"])


@blp.route("/verdicts/mentions/<int:mention_id>", tags=["verdicts"])
class MentionVerdictView(MethodView):
    @blp.arguments(ViewArgs, location="query", unknown=RAISE)
    @blp.response(200, MentionVerdictDetailSchema)
    def get(self, args, mention_id: int):
        """One mention's verdict (one claim in one article), with the judgments behind it."""
        return service.mention_detail(
            get_session(), rules(), mention_id, args.get("method"), args["include_simulated"]
        )

"""Verdicts per claim and per mention, agreement between annotators, adjudication.

Verdicts are read from verdict sets kept fresh in the store (see
:mod:`annotator.services.verdicts.sets`); a read may first rebuild a set the
store changed behind, which is why the GET views run in a transaction.  Every view
takes ``method`` (``majority`` or ``dawid-skene``; default from
``config/verdicts.yaml``) and ``include_simulated`` (default false: simulated
annotators' judgments are kept apart).
"""

from __future__ import annotations

import math

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from ..db import get_session, transaction
from ..models import VerdictStatus
from ..rules.verdicts import VerdictRules
from ..services import verdicts as service
from ..services.verdicts import agreement as agreement_service
from ..vocabulary import METHODS, STORE_VERDICTS, values
from .pagination import PageArgs, paginate

__all__ = ["blp", "rules"]

blp = Blueprint(
    "verdicts",
    __name__,
    url_prefix="/api",
    description="Verdicts per claim and per mention, agreement between annotators, adjudication",
)

STATUSES = values(VerdictStatus)


def rules() -> VerdictRules:
    """The verdict rules the service started with."""
    return current_app.extensions["annotator.rules"].verdicts


# -- arguments -------------------------------------------------------------------------------


class ViewArgs(Schema):
    class Meta:
        unknown = RAISE

    method = fields.String(
        validate=validate.OneOf(METHODS),
        metadata={"description": "majority or dawid-skene (default: config/verdicts.yaml)"},
    )
    include_simulated = fields.Boolean(
        load_default=False, metadata={"description": "count simulated annotators' judgments too"}
    )


class PopulationArgs(Schema):
    class Meta:
        unknown = RAISE

    include_simulated = fields.Boolean(
        load_default=False, metadata={"description": "count simulated annotators' judgments too"}
    )


class VerdictListArgs(PageArgs, ViewArgs):
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "only this status"})


class PendingArgs(PageArgs, ViewArgs):
    pass


class PendingMentionArgs(PageArgs, ViewArgs):
    claim_id = fields.String(metadata={"description": "only this claim's mentions"})


class ClaimPageArgs(PageArgs, PopulationArgs):
    pass


class TrailArgs(PageArgs):
    claim_id = fields.String()
    mention_id = fields.Integer()


class RebuildSchema(Schema):
    class Meta:
        unknown = RAISE

    method = fields.String(validate=validate.OneOf(METHODS))
    include_simulated = fields.Boolean(load_default=False)


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
    adjudicator = fields.String(required=True, validate=[validate.Length(max=255), _not_blank])
    include_simulated = fields.Boolean(
        load_default=False,
        metadata={"description": "population of the computed verdict recorded as what this replaced"},
    )

    @validates_schema(skip_on_field_errors=True)
    def _configured(self, data, **_kwargs) -> None:
        labels = rules().labels.labels
        if data["verdict"] not in labels:
            raise ValidationError(f"must be one of the configured verdicts: {', '.join(labels)}", "verdict")


# -- responses -------------------------------------------------------------------------------

Counts = fields.Dict(
    keys=fields.String(), values=fields.Integer(), metadata={"description": "judgments per verdict"}
)


class ReplacedSchema(Schema):
    id = fields.Integer()
    verdict = fields.String()
    reason = fields.String()
    adjudicator = fields.String()
    created_at = fields.DateTime()


class ComputedSchema(Schema):
    method = fields.String()
    include_simulated = fields.Boolean()
    verdict = fields.String(allow_none=True)
    status = fields.String()
    reason = fields.String(allow_none=True)
    support = fields.Float(allow_none=True)
    counts = Counts
    n_judgments = fields.Integer()


class AdjudicationSchema(Schema):
    id = fields.Integer()
    claim_id = fields.String()
    mention_id = fields.Integer(allow_none=True)
    verdict = fields.String()
    reason = fields.String()
    adjudicator = fields.String()
    created_at = fields.DateTime()
    standing = fields.Boolean(metadata={"description": "no later adjudication replaced it"})
    replaced_by_id = fields.Integer(allow_none=True)
    replaces_id = fields.Integer(allow_none=True)
    replaced = fields.Nested(
        ReplacedSchema, allow_none=True, metadata={"description": "the adjudication it replaced"}
    )
    computed = fields.Nested(
        ComputedSchema, allow_none=True, metadata={"description": "the computed verdict when it was made"}
    )


class VerdictFields(Schema):
    method = fields.String()
    verdict = fields.String(allow_none=True, metadata={"description": "what stands: adjudicated or computed"})
    status = fields.String(metadata={"description": "settled, needs adjudication or adjudicated"})
    reason = fields.String(allow_none=True, metadata={"description": "why it needs adjudication"})
    computed_verdict = fields.String(allow_none=True, metadata={"description": "the method's own verdict"})
    support = fields.Float(allow_none=True, metadata={"description": "share of judgments, or posterior"})
    tie = fields.Boolean()
    counts = Counts
    n_judgments = fields.Integer()
    n_annotators = fields.Integer()
    adjudication = fields.Nested(AdjudicationSchema, allow_none=True)


class ClaimVerdictSchema(VerdictFields):
    claim_id = fields.String()
    claim_text = fields.String(allow_none=True)
    include_simulated = fields.Boolean()
    n_articles = fields.Integer()
    computed_at = fields.DateTime()


class MentionVerdictSchema(VerdictFields):
    mention_id = fields.Integer(
        metadata={"description": "the unit: the mention in the article's newest revision"}
    )
    merged_mention_ids = fields.List(
        fields.Integer(), metadata={"description": "mentions counted as this unit"}
    )
    claim_id = fields.String()
    article_id = fields.Integer()
    article = fields.String(allow_none=True)
    revision = fields.Integer()
    outlet = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    published_on = fields.String(allow_none=True, metadata={"format": "date"})
    published_year_inferred = fields.Boolean()


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


def _page(item_schema: type[Schema], name: str, **extra) -> type[Schema]:
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
            "pages": fields.Integer(),
            **extra,
        },
        name=name,
    )


VerdictPageSchema = _page(
    ClaimVerdictSchema,
    "ClaimVerdictPageSchema",
    method=fields.String(),
    include_simulated=fields.Boolean(),
    statuses=fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "claims per status"}
    ),
    computed_at=fields.DateTime(),
)
MentionVerdictPageSchema = _page(MentionVerdictSchema, "MentionVerdictPageSchema")
AdjudicationPageSchema = _page(AdjudicationSchema, "AdjudicationPageSchema")


class VerdictSetSchema(Schema):
    method = fields.String()
    include_simulated = fields.Boolean()
    claims = fields.Integer()
    computed_at = fields.DateTime()
    statuses = fields.Dict(keys=fields.String(), values=fields.Integer())
    fitted_at = fields.DateTime(allow_none=True)
    model_judgments = fields.Integer(allow_none=True)


class FigureSchema(Schema):
    value = fields.Float(allow_none=True)
    defined = fields.Boolean()
    n_units = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True, metadata={"description": "why the value is undefined"})
    note = fields.String(allow_none=True, metadata={"description": "which units were used"})


class AgreementFields(Schema):
    include_simulated = fields.Boolean()
    n_units = fields.Integer()
    n_judgments = fields.Integer()
    n_annotators = fields.Integer()
    dropped = fields.Dict(keys=fields.String(), values=fields.Integer())


class FiguresSchema(Schema):
    alpha_nominal = fields.Nested(FigureSchema, metadata={"description": "Krippendorff's alpha, nominal"})
    alpha_linear = fields.Nested(
        FigureSchema, metadata={"description": "Krippendorff's alpha, disputed half-way between the others"}
    )
    fleiss_kappa = fields.Nested(FigureSchema)
    percent_agreement = fields.Nested(FigureSchema)


class ProjectAgreementSchema(AgreementFields, FiguresSchema):
    pass


class WhoSchema(Schema):
    annotator = fields.Integer()
    email = fields.String()
    name = fields.String(allow_none=True)
    simulated = fields.Boolean()


class PairSchema(Schema):
    annotator_a = fields.Integer()
    annotator_b = fields.Integer()
    n_units = fields.Integer()
    agreement = fields.Float(allow_none=True)
    kappa = fields.Float(allow_none=True)
    reason = fields.String(allow_none=True)


class MatrixSchema(Schema):
    kappa = fields.List(fields.List(fields.Float(allow_none=True)))
    agreement = fields.List(fields.List(fields.Float(allow_none=True)))
    n_units = fields.List(fields.List(fields.Integer(allow_none=True)))


class PairsFields(Schema):
    annotators = fields.List(
        fields.Nested(WhoSchema), metadata={"description": "rows and columns of the matrices"}
    )
    pairs = fields.List(fields.Nested(PairSchema))
    matrix = fields.Nested(MatrixSchema)


class PairsSchema(AgreementFields, PairsFields):
    pass


class AnnotatorAgreementSchema(WhoSchema):
    n_judgments = fields.Integer()
    n_compared = fields.Integer(metadata={"description": "units with a consensus of the others"})
    n_alone = fields.Integer(metadata={"description": "units nobody else judged"})
    n_tied = fields.Integer(metadata={"description": "units where the others tie"})
    agreement = fields.Float(allow_none=True)
    kappa = fields.Float(allow_none=True)
    reason = fields.String(allow_none=True)


class AnnotatorsAgreementSchema(AgreementFields):
    annotators = fields.List(fields.Nested(AnnotatorAgreementSchema))


class ClaimAgreementSchema(ProjectAgreementSchema):
    claim_id = fields.String()
    pairs = fields.Nested(PairsFields)
    annotators = fields.List(fields.Nested(AnnotatorAgreementSchema))


class ClaimFigureSchema(Schema):
    value = fields.Float(allow_none=True)
    defined = fields.Boolean()
    reason = fields.String(allow_none=True)
    n_units = fields.Integer(metadata={"description": "Fleiss' kappa only: the units it used"})


class ClaimAgreementRowSchema(Schema):
    claim_id = fields.String()
    n_units = fields.Integer()
    n_judgments = fields.Integer()
    n_annotators = fields.Integer()
    alpha_nominal = fields.Nested(ClaimFigureSchema)
    alpha_linear = fields.Nested(ClaimFigureSchema)
    fleiss_kappa = fields.Nested(ClaimFigureSchema)
    percent_agreement = fields.Nested(ClaimFigureSchema)


ClaimAgreementPageSchema = _page(ClaimAgreementRowSchema, "ClaimAgreementPageSchema")


def _slice(items: list, args: dict) -> dict:
    """A page of a list computed in memory, shaped like :func:`paginate`'s."""
    per_page = args.get("per_page") or current_app.extensions["annotator.settings"].page_size
    page = args.get("page", 1)
    return {
        "items": items[(page - 1) * per_page : page * per_page],
        "page": page,
        "per_page": per_page,
        "total": len(items),
        "pages": max(1, math.ceil(len(items) / per_page)),
    }


# -- verdicts --------------------------------------------------------------------------------


def _claim_page(session, args: dict, status: str | None) -> dict:
    return service.claim_page(
        session,
        rules(),
        method=args.get("method"),
        include_simulated=args["include_simulated"],
        status=status,
        page=args.get("page", 1),
        per_page=args.get("per_page") or current_app.extensions["annotator.settings"].page_size,
    )


@blp.route("/verdicts", tags=["verdicts"])
class Verdicts(MethodView):
    @blp.arguments(VerdictListArgs, location="query", unknown=RAISE)
    @blp.response(200, VerdictPageSchema)
    def get(self, args):
        """Every claim's verdict: counts, verdict, support, status, annotators and articles."""
        with transaction() as session:
            return _claim_page(session, args, args.get("status"))


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
            return service.set_summary(session, target)


@blp.route("/verdicts/claims/<claim_id>", tags=["verdicts"])
class ClaimVerdictView(MethodView):
    @blp.arguments(ViewArgs, location="query", unknown=RAISE)
    @blp.response(200, ClaimVerdictDetailSchema)
    def get(self, args, claim_id: str):
        """One claim's verdict, its mentions' verdicts by publication date, and its timeline."""
        with transaction() as session:
            return service.claim_detail(
                session, rules(), claim_id, args.get("method"), args["include_simulated"]
            )


@blp.route("/verdicts/mentions/<int:mention_id>", tags=["verdicts"])
class MentionVerdictView(MethodView):
    @blp.arguments(ViewArgs, location="query", unknown=RAISE)
    @blp.response(200, MentionVerdictDetailSchema)
    def get(self, args, mention_id: int):
        """One mention's verdict (one claim in one article), with the judgments behind it."""
        with transaction() as session:
            return service.mention_detail(
                session, rules(), mention_id, args.get("method"), args["include_simulated"]
            )


# -- agreement -------------------------------------------------------------------------------


@blp.route("/agreement", tags=["agreement"])
class ProjectAgreement(MethodView):
    @blp.arguments(PopulationArgs, location="query", unknown=RAISE)
    @blp.response(200, ProjectAgreementSchema)
    def get(self, args):
        """Krippendorff's alpha, Fleiss' kappa and percent agreement over the project."""
        return agreement_service.project_agreement_store(get_session(), rules(), args["include_simulated"])


@blp.route("/agreement/claims", tags=["agreement"])
class ClaimsAgreement(MethodView):
    @blp.arguments(ClaimPageArgs, location="query", unknown=RAISE)
    @blp.response(200, ClaimAgreementPageSchema)
    def get(self, args):
        """Alpha, Fleiss' kappa and percent agreement of every claim, over its mentions."""
        rows = agreement_service.claims_agreement_store(get_session(), rules(), args["include_simulated"])
        return _slice(rows, args)


@blp.route("/agreement/claims/<claim_id>", tags=["agreement"])
class ClaimAgreement(MethodView):
    @blp.arguments(PopulationArgs, location="query", unknown=RAISE)
    @blp.response(200, ClaimAgreementSchema)
    def get(self, args, claim_id: str):
        """One claim's agreement over its mentions, with its pairs and annotators."""
        return agreement_service.claim_agreement_store(
            get_session(), rules(), claim_id, args["include_simulated"]
        )


@blp.route("/agreement/pairs", tags=["agreement"])
class PairsAgreement(MethodView):
    @blp.arguments(PopulationArgs, location="query", unknown=RAISE)
    @blp.response(200, PairsSchema)
    def get(self, args):
        """Cohen's kappa and percent agreement of every annotator pair, also as matrices."""
        return agreement_service.pairs_store(get_session(), rules(), args["include_simulated"])


@blp.route("/agreement/annotators", tags=["agreement"])
class AnnotatorsAgreement(MethodView):
    @blp.arguments(PopulationArgs, location="query", unknown=RAISE)
    @blp.response(200, AnnotatorsAgreementSchema)
    def get(self, args):
        """Each annotator against the leave-one-out consensus of the others."""
        return agreement_service.annotators_store(get_session(), rules(), args["include_simulated"])


# -- adjudication ----------------------------------------------------------------------------


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
        """Record an adjudicator's verdict on a claim (or one mention); it stands from now on."""
        with transaction() as session:
            adjudication = service.record_adjudication(session, rules(), **data)
            return service.adjudication_dicts(session, [adjudication])[0]


@blp.route("/adjudications/pending", tags=["adjudications"])
class PendingClaims(MethodView):
    @blp.arguments(PendingArgs, location="query", unknown=RAISE)
    @blp.response(200, VerdictPageSchema)
    def get(self, args):
        """Claims whose verdict needs adjudication, and why."""
        with transaction() as session:
            return _claim_page(session, args, VerdictStatus.NEEDS_ADJUDICATION.value)


@blp.route("/adjudications/pending/mentions", tags=["adjudications"])
class PendingMentions(MethodView):
    @blp.arguments(PendingMentionArgs, location="query", unknown=RAISE)
    @blp.response(200, MentionVerdictPageSchema)
    def get(self, args):
        """Mentions (one claim in one article) whose verdict needs adjudication."""
        with transaction() as session:
            rows = service.pending_mentions(
                session, rules(), args.get("method"), args["include_simulated"], args.get("claim_id")
            )
        return _slice(rows, args)

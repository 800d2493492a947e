"""Agreement between annotators: over the project, per claim, per pair, per annotator."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from ..db import get_session
from ..services.verdicts import agreement as agreement_service
from .pagination import PageArgs, page_schema
from .verdict_shared import PopulationArgs, list_page, rules

__all__ = ["blp"]

blp = Blueprint("agreement", __name__, url_prefix="/api", description="Agreement between annotators")


class ClaimPageArgs(PageArgs, PopulationArgs):
    pass


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


ClaimAgreementPageSchema = page_schema(ClaimAgreementRowSchema, "ClaimAgreementPageSchema")


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
        return list_page(rows, args)


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

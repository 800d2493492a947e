"""What the verdict, agreement and adjudication blueprints share: the verdict rules, the
query arguments every read takes, the verdict shapes they answer, and pages of lists.

Verdicts are read from the verdict sets the write paths keep fresh in the store
(see :mod:`annotator.services.verdicts.sets`); the GET views only read.  Every view
takes ``method`` (``majority`` or ``dawid-skene``; default from
``config/verdicts.yaml``) and ``include_simulated`` (default false: simulated
annotators' judgments are kept apart).
"""

from __future__ import annotations

from flask import current_app
from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy.orm import Session

from ..paging import page_envelope
from ..rules.verdicts import VerdictRules
from ..services import verdicts as service
from ..vocabulary import METHODS
from .pagination import page_schema

__all__ = [
    "rules",
    "list_page",
    "claim_page",
    "ViewArgs",
    "PopulationArgs",
    "Counts",
    "AdjudicationSchema",
    "ClaimVerdictSchema",
    "MentionVerdictSchema",
    "VerdictPageSchema",
    "MentionVerdictPageSchema",
]


def rules() -> VerdictRules:
    """The verdict rules the service started with."""
    return current_app.extensions["annotator.rules"].verdicts


def _per_page(args: dict) -> int:
    return args.get("per_page") or current_app.extensions["annotator.settings"].page_size


def list_page(items: list, args: dict) -> dict:
    """A page of a list computed in memory, shaped like :func:`~.pagination.paginate`'s."""
    per_page, page = _per_page(args), args.get("page", 1)
    return page_envelope(items[(page - 1) * per_page : page * per_page], len(items), page, per_page)


def claim_page(session: Session, args: dict, status: str | None) -> dict:
    """The page of claim verdicts ``args`` asks for, of ``status`` (any: None)."""
    return service.claim_page(
        session,
        rules(),
        method=args.get("method"),
        include_simulated=args["include_simulated"],
        status=status,
        page=args.get("page", 1),
        per_page=_per_page(args),
    )


# -- arguments -------------------------------------------------------------------------------


IncludeSimulated = fields.Boolean(
    load_default=False, metadata={"description": "count simulated annotators' judgments too"}
)


class ViewArgs(Schema):
    class Meta:
        unknown = RAISE

    method = fields.String(
        validate=validate.OneOf(METHODS),
        metadata={"description": "majority or dawid-skene (default: config/verdicts.yaml)"},
    )
    include_simulated = IncludeSimulated


class PopulationArgs(Schema):
    class Meta:
        unknown = RAISE

    include_simulated = IncludeSimulated


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


VerdictPageSchema = page_schema(
    ClaimVerdictSchema,
    "ClaimVerdictPageSchema",
    method=fields.String(),
    include_simulated=fields.Boolean(),
    statuses=fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "claims per status"}
    ),
    computed_at=fields.DateTime(),
)
MentionVerdictPageSchema = page_schema(MentionVerdictSchema)

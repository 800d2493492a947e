"""Request and response schemas of the HTTP API (marshmallow)."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates

from ..models import MentionOrigin, MentionStatus
from .pagination import PageArgs

__all__ = [
    "RevisionSummarySchema",
    "RevisionSchema",
    "ArticleSchema",
    "ArticleDetailSchema",
    "ArticleListArgs",
    "UploadReportSchema",
    "ClaimSchema",
    "ClaimCreateSchema",
    "ClaimUpdateSchema",
    "CatalogueReportSchema",
    "MentionSchema",
    "MentionListArgs",
    "MentionCreateSchema",
    "MentionAcceptSchema",
    "MentionDecisionSchema",
    "MentionSpansSchema",
]

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="use lowercase letters, digits and single hyphens")


class StrictSchema(Schema):
    """Unknown fields are errors: a typo must not be silently ignored."""

    class Meta:
        unknown = RAISE


class DecisionSchema(StrictSchema):
    """A coordinator's decision: who made it comes from the login, never from the body."""

    @pre_load
    def _no_names(self, data, **_kwargs):
        if isinstance(data, dict) and "decided_by" in data:
            raise ValidationError("leave it out: the decision is recorded as yours, from your login", "decided_by")
        return data


class RevisionSummarySchema(Schema):
    number = fields.Integer()
    content_hash = fields.String()
    source = fields.String()
    source_line = fields.Integer(allow_none=True)
    ingested_at = fields.DateTime()


class RevisionSchema(RevisionSummarySchema):
    title = fields.String(allow_none=True)
    outlet = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    dateline_place = fields.String(allow_none=True)
    published_on = fields.Date(allow_none=True)
    published_year_inferred = fields.Boolean()
    published_text = fields.String(allow_none=True, metadata={"description": "the text the date was read from"})
    language = fields.String(allow_none=True)
    body = fields.String(metadata={"description": "clean body; span offsets index into it"})
    removed = fields.List(fields.String(), metadata={"description": "page furniture removed"})


class ArticleSchema(Schema):
    id = fields.Integer()
    external_id = fields.String()
    revision = fields.Integer(attribute="current.number")
    title = fields.String(attribute="current.title", allow_none=True)
    outlet = fields.String(attribute="current.outlet", allow_none=True)
    dateline_place = fields.String(attribute="current.dateline_place", allow_none=True)
    published_on = fields.Date(attribute="current.published_on", allow_none=True)
    published_year_inferred = fields.Boolean(attribute="current.published_year_inferred")
    language = fields.String(attribute="current.language")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ArticleDetailSchema(ArticleSchema):
    current = fields.Nested(RevisionSchema)
    revisions = fields.List(fields.Nested(RevisionSummarySchema))


class ArticleListArgs(PageArgs):
    outlet = fields.String()
    language = fields.String(allow_none=True)
    external_id = fields.String()


class RecordOutcomeSchema(Schema):
    external_id = fields.String()
    line = fields.Integer(allow_none=True)
    status = fields.String(metadata={"description": "created, revised or unchanged"})
    article_id = fields.Integer()
    revision = fields.Integer()
    warnings = fields.List(fields.String())


class FileReportSchema(Schema):
    source = fields.String()
    encoding = fields.String()
    note = fields.String(allow_none=True)
    outcomes = fields.List(fields.Nested(RecordOutcomeSchema))


class UploadReportSchema(Schema):
    files = fields.List(fields.Nested(FileReportSchema))


class ClaimSchema(Schema):
    id = fields.String()
    text = fields.String()
    text_en = fields.String(allow_none=True)
    story = fields.String(allow_none=True)
    mention_count = fields.Method("_mention_count")
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _mention_count(self, claim) -> int:
        return sum(1 for m in claim.mentions if m.status == MentionStatus.ACCEPTED)


class ClaimCreateSchema(StrictSchema):
    id = fields.String(required=True, validate=[validate.Length(max=100), SLUG])
    text = fields.String(required=True, validate=validate.Length(min=1))
    text_en = fields.String(allow_none=True)
    story = fields.String(allow_none=True, validate=validate.Length(max=100))

    @validates("text")
    def _not_blank(self, value: str, **_kwargs) -> None:
        if not value.strip():
            raise ValidationError("must not be blank")


class ClaimUpdateSchema(ClaimCreateSchema):
    class Meta:
        unknown = RAISE
        exclude = ("id",)


class CatalogueReportSchema(Schema):
    source = fields.String()
    claims_created = fields.Integer()
    claims_updated = fields.Integer()
    claims_unchanged = fields.Integer()
    mentions_created = fields.Integer()
    mentions_updated = fields.Integer()
    mentions_unchanged = fields.Integer()
    match_methods = fields.Dict(keys=fields.String(), values=fields.Integer())
    not_in_file = fields.List(fields.String())


Span = fields.List(fields.Integer(strict=True), validate=validate.Length(equal=2))


class MentionSchema(Schema):
    id = fields.Integer()
    claim_id = fields.String(allow_none=True)
    article_id = fields.Integer(attribute="revision.article_id")
    external_id = fields.String(attribute="revision.article.external_id")
    revision = fields.Integer(attribute="revision.number")
    origin = fields.Enum(MentionOrigin, by_value=True)
    status = fields.Enum(MentionStatus, by_value=True)
    spans = fields.List(Span)
    quotes = fields.List(fields.String())
    match_method = fields.String(allow_none=True)
    score = fields.Float(allow_none=True)
    reasons = fields.List(fields.String())
    decided_by = fields.String(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)


class MentionListArgs(PageArgs):
    claim_id = fields.String()
    article_id = fields.Integer()
    origin = fields.Enum(MentionOrigin, by_value=True)
    status = fields.Enum(MentionStatus, by_value=True)


class MentionCreateSchema(DecisionSchema):
    claim_id = fields.String(required=True)
    article_id = fields.Integer(required=True, strict=True)
    spans = fields.List(Span, required=True, validate=validate.Length(min=1))


class MentionAcceptSchema(DecisionSchema):
    claim_id = fields.String(
        metadata={"description": "required for a suggestion; defaults to the mention's own claim"}
    )


class MentionDecisionSchema(DecisionSchema):
    pass


class MentionSpansSchema(DecisionSchema):
    spans = fields.List(Span, required=True, validate=validate.Length(min=1))

"""Mentions: where claims appear; suggestions to accept or reject."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE
from sqlalchemy.orm import selectinload

from .. import edits
from ..db import get_session, transaction
from ..models import ArticleRevision, Mention
from ..services import mentions as service
from .auth import caller
from .pagination import page_schema, paginate
from .schemas import (
    MentionAcceptSchema,
    MentionCreateSchema,
    MentionDecisionSchema,
    MentionListArgs,
    MentionSchema,
    MentionSpansSchema,
)

def _rules():
    return current_app.extensions["annotator.rules"]


blp = Blueprint(
    "mentions",
    __name__,
    url_prefix="/api/mentions",
    description="Claims located in articles, and check-worthy sentences suggested for review",
)


@blp.route("")
class Mentions(MethodView):
    @blp.arguments(MentionListArgs, location="query", unknown=RAISE)
    @blp.response(200, page_schema(MentionSchema))
    def get(self, args):
        """List mentions; filter by claim, article, origin (suggested...) or status (pending...)."""
        query = (
            sa.select(Mention)
            .join(ArticleRevision)
            .order_by(ArticleRevision.article_id, Mention.id)
            .options(selectinload(Mention.revision).selectinload(ArticleRevision.article))
        )
        for key in ("claim_id", "origin", "status"):
            if key in args:
                query = query.where(getattr(Mention, key) == args[key])
        if "article_id" in args:
            query = query.where(ArticleRevision.article_id == args["article_id"])
        return paginate(get_session(), query, args)

    @blp.arguments(MentionCreateSchema)
    @blp.response(201, MentionSchema)
    def post(self, data):
        """Add a mention of a claim at given spans of an article's current revision."""
        with transaction() as session:
            return edits.add_mention(
                session,
                article_id=data["article_id"],
                claim_id=data["claim_id"],
                spans=data["spans"],
                rules=_rules(),
                actor=caller(),
            )


@blp.route("/<int:mention_id>")
class MentionById(MethodView):
    @blp.response(200, MentionSchema)
    def get(self, mention_id: int):
        """One mention."""
        return service.get_mention(get_session(), mention_id)

    @blp.arguments(MentionSpansSchema)
    @blp.response(200, MentionSchema)
    def patch(self, data, mention_id: int):
        """Replace a mention's evidence spans."""
        with transaction() as session:
            return edits.set_spans(session, mention_id, data["spans"], rules=_rules(), actor=caller())


@blp.route("/<int:mention_id>/accept")
class MentionAccept(MethodView):
    @blp.arguments(MentionAcceptSchema)
    @blp.response(200, MentionSchema)
    def post(self, data, mention_id: int):
        """Accept a mention; a suggestion must name the claim it is evidence for."""
        with transaction() as session:
            return edits.accept_mention(
                session, mention_id, claim_id=data.get("claim_id"), rules=_rules(), actor=caller()
            )


@blp.route("/<int:mention_id>/reject")
class MentionReject(MethodView):
    @blp.arguments(MentionDecisionSchema)
    @blp.response(200, MentionSchema)
    def post(self, data, mention_id: int):
        """Reject a mention (a suggestion that is not check-worthy, or a wrong location)."""
        with transaction() as session:
            return edits.reject_mention(session, mention_id, rules=_rules(), actor=caller())

"""Articles: list, read (with revisions), upload files."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from .. import edits
from ..db import get_session, transaction
from ..errors import InputError, NotFound
from ..models import Article, ArticleRevision
from .auth import caller
from .pagination import page_schema, paginate
from .schemas import (
    ArticleDetailSchema,
    ArticleListArgs,
    ArticleSchema,
    RevisionSchema,
    UploadReportSchema,
)

blp = Blueprint(
    "articles",
    __name__,
    url_prefix="/api/articles",
    description="News articles and their revisions (plain text, JSON, JSONL, CSV files)",
)


class UploadSchema(Schema):
    file = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        required=True,
        metadata={"description": "one or more article files (.txt, .json, .jsonl, .csv)"},
    )


def _article(session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id}")
    return article


@blp.route("")
class Articles(MethodView):
    @blp.arguments(ArticleListArgs, location="query", unknown=RAISE)
    @blp.response(200, page_schema(ArticleSchema))
    def get(self, args):
        """List articles (current revision's metadata), oldest first."""
        session = get_session()
        current = (
            sa.select(ArticleRevision.article_id, sa.func.max(ArticleRevision.number).label("number"))
            .group_by(ArticleRevision.article_id)
            .subquery()
        )
        query = (
            sa.select(Article)
            .join(current, current.c.article_id == Article.id)
            .join(
                ArticleRevision,
                sa.and_(ArticleRevision.article_id == Article.id, ArticleRevision.number == current.c.number),
            )
            .order_by(Article.id)
            .options(selectinload(Article.revisions))
        )
        if "outlet" in args:
            query = query.where(ArticleRevision.outlet == args["outlet"])
        if "language" in args:
            query = query.where(ArticleRevision.language == args["language"])
        if "external_id" in args:
            query = query.where(Article.external_id == args["external_id"])
        return paginate(session, query, args)

    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, UploadReportSchema)
    def post(self, upload):
        """Upload article files; all of them are stored, or (on any error) none."""
        settings = current_app.extensions["annotator.settings"]
        rules = current_app.extensions["annotator.rules"]
        reports = []
        with transaction() as session:
            for storage in upload["file"]:
                if not storage.filename:
                    raise InputError("each uploaded file needs a file name (its extension picks the format)")
                reports.append(
                    edits.ingest(
                        session, storage.read(), source=storage.filename, settings=settings, rules=rules, actor=caller()
                    )
                )
        return {"files": reports}


@blp.route("/<int:article_id>")
class ArticleById(MethodView):
    @blp.response(200, ArticleDetailSchema)
    def get(self, article_id: int):
        """One article: its current revision in full and the list of its revisions."""
        return _article(get_session(), article_id)


@blp.route("/<int:article_id>/revisions/<int:number>")
class ArticleRevisionByNumber(MethodView):
    @blp.response(200, RevisionSchema)
    def get(self, article_id: int, number: int):
        """One revision of an article, as it was ingested."""
        article = _article(get_session(), article_id)
        for revision in article.revisions:
            if revision.number == number:
                return revision
        raise NotFound(f"article {article_id} has no revision {number} (it has {len(article.revisions)})")

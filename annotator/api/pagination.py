"""Page-numbered lists with the page facts in the body.

flask-smorest's own pager puts its metadata in an ``X-Pagination`` header and
fixes the limits when the module is imported; ours reads them from the settings
and answers ``{"items", "page", "per_page", "total", "pages"}``, which a person
with curl sees at once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import Session

from ..paging import page_envelope

__all__ = ["PageArgs", "page_schema", "paginate"]


class PageArgs(Schema):
    """``page`` and ``per_page`` query arguments; subclass it to add filters."""

    class Meta:
        unknown = RAISE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=None, validate=validate.Range(min=1))

    @validates_schema
    def _within_limit(self, data, **_kwargs):
        limit = current_app.extensions["annotator.settings"].max_page_size
        if data.get("per_page") and data["per_page"] > limit:
            raise ValidationError(f"must be at most {limit}", "per_page")


_page_schemas: dict[str, type[Schema]] = {}


def page_schema(item_schema: type[Schema], name: str | None = None, **extra) -> type[Schema]:
    """The page envelope around ``item_schema`` (one class per ``name``, by default
    the item's name + ``PageSchema``), with ``extra`` fields beside the items."""
    name = name or item_schema.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _page_schemas:
        _page_schemas[name] = Schema.from_dict(
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
    return _page_schemas[name]


def paginate(session: Session, query: sa.Select, args: dict) -> dict:
    """Run ``query`` for the page asked in ``args`` (from :class:`PageArgs`)."""
    per_page = args.get("per_page") or current_app.extensions["annotator.settings"].page_size
    page = args.get("page", 1)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return page_envelope(items, total, page, per_page)

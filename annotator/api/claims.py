"""Claims: the catalogue's entries, one by one or as a whole file."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields
from sqlalchemy.orm import selectinload

from .. import edits
from ..db import get_session, transaction
from ..models import Claim
from ..services import catalogue
from .auth import caller
from .pagination import PageArgs, page_schema, paginate
from .schemas import CatalogueReportSchema, ClaimCreateSchema, ClaimSchema, ClaimUpdateSchema

blp = Blueprint("claims", __name__, url_prefix="/api/claims", description="The claim catalogue")


class CatalogueUploadSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "a catalogue file (YAML or JSON)"},
    )


def _rules():
    return current_app.extensions["annotator.rules"]


@blp.route("")
class Claims(MethodView):
    @blp.arguments(PageArgs, location="query", unknown=RAISE)
    @blp.response(200, page_schema(ClaimSchema))
    def get(self, args):
        """List claims by id."""
        session = get_session()
        query = sa.select(Claim).order_by(Claim.id).options(selectinload(Claim.mentions))
        return paginate(session, query, args)

    @blp.arguments(ClaimCreateSchema)
    @blp.response(201, ClaimSchema)
    def post(self, data):
        """Add a claim to the catalogue."""
        with transaction() as session:
            claim = edits.add_claim(session, data, rules=_rules(), actor=caller())
            session.refresh(claim)
        return claim


@blp.route("/catalogue")
class CatalogueUpload(MethodView):
    @blp.arguments(CatalogueUploadSchema, location="files")
    @blp.response(200, CatalogueReportSchema)
    def post(self, upload):
        """Load a catalogue file: all its claims and located quotes, or nothing."""
        storage = upload["file"]
        settings = current_app.extensions["annotator.settings"]
        with transaction() as session:
            return edits.load_catalogue(
                session, storage.read(), source=storage.filename or "catalogue", settings=settings, rules=_rules(),
                actor=caller(),
            )


@blp.route("/<claim_id>")
class ClaimById(MethodView):
    @blp.response(200, ClaimSchema)
    def get(self, claim_id: str):
        """One claim."""
        return catalogue.get_claim(get_session(), claim_id)

    @blp.arguments(ClaimUpdateSchema(partial=True))
    @blp.response(200, ClaimSchema)
    def patch(self, data, claim_id: str):
        """Change a claim's wording (its id is stable)."""
        with transaction() as session:
            return edits.update_claim(session, claim_id, data, rules=_rules(), actor=caller())

    @blp.response(204)
    def delete(self, claim_id: str):
        """Delete a claim that has no judgments yet (with its mentions)."""
        with transaction() as session:
            edits.delete_claim(session, claim_id, rules=_rules(), actor=caller())

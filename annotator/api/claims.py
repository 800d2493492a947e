"""Claims: the catalogue's entries, one by one or as a whole file."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields
from sqlalchemy.orm import selectinload

from ..db import get_session, transaction
from ..errors import Conflict, NotFound
from ..models import Claim, Judgment, LabelStudioTask, Mention
from ..services.catalogue import store_catalogue
from .pagination import PageArgs, page_schema, paginate
from .schemas import CatalogueReportSchema, ClaimCreateSchema, ClaimSchema, ClaimUpdateSchema

blp = Blueprint("claims", __name__, url_prefix="/api/claims", description="The claim catalogue")


class CatalogueUploadSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "description": "a catalogue file (YAML or JSON)"},
    )


def _claim(session, claim_id: str) -> Claim:
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound(f"no claim with id {claim_id!r}")
    return claim


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
            if session.get(Claim, data["id"]) is not None:
                raise Conflict(f"claim {data['id']!r} exists", {"id": ["choose another id, or PATCH the claim"]})
            claim = Claim(**data)
            session.add(claim)
            session.flush()
            session.refresh(claim)
        return claim


@blp.route("/catalogue")
class CatalogueUpload(MethodView):
    @blp.arguments(CatalogueUploadSchema, location="files")
    @blp.response(200, CatalogueReportSchema)
    def post(self, upload):
        """Load a catalogue file: all its claims and located quotes, or nothing."""
        storage = upload["file"]
        threshold = current_app.extensions["annotator.settings"].fuzzy_threshold
        with transaction() as session:
            return store_catalogue(
                session, storage.read(), source=storage.filename or "catalogue", fuzzy_threshold=threshold
            )


@blp.route("/<claim_id>")
class ClaimById(MethodView):
    @blp.response(200, ClaimSchema)
    def get(self, claim_id: str):
        """One claim."""
        return _claim(get_session(), claim_id)

    @blp.arguments(ClaimUpdateSchema(partial=True))
    @blp.response(200, ClaimSchema)
    def patch(self, data, claim_id: str):
        """Change a claim's wording (its id is stable)."""
        with transaction() as session:
            claim = _claim(session, claim_id)
            for key, value in data.items():
                setattr(claim, key, value)
        return claim

    @blp.response(204)
    def delete(self, claim_id: str):
        """Delete a claim that has no judgments yet (with its mentions)."""
        with transaction() as session:
            claim = _claim(session, claim_id)
            judged = session.scalar(
                sa.select(sa.func.count(Judgment.id)).join(Mention).where(Mention.claim_id == claim_id)
            )
            if judged:
                raise Conflict(
                    f"claim {claim_id!r} has {judged} judgment(s); deleting it would lose them",
                    {"claim_id": ["keep the claim; reword it with PATCH instead"]},
                )
            mention_ids = {m.id for m in claim.mentions}
            pushed = [
                ls_id
                for ls_id, in_task in session.execute(sa.select(LabelStudioTask.ls_task_id, LabelStudioTask.mention_ids))
                if mention_ids.intersection(in_task)
            ]
            if pushed:
                # Tasks address their claims by position: removing one would renumber the rest.
                raise Conflict(
                    f"claim {claim_id!r} is in {len(pushed)} Label Studio task(s) (e.g. task {pushed[0]});"
                    " deleting it would renumber the claims annotators see",
                    {"claim_id": ["keep the claim; reject its mentions or reword it with PATCH instead"]},
                )
            for mention in list(claim.mentions):
                session.delete(mention)
            session.delete(claim)

"""Desk accounts over HTTP: one's own account and tokens, and (for admins) everyone's.

A token is shown once, in the answer that makes it; lists show only its prefix.
Every change lands in the audit log under the caller's name.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from ..db import get_session, transaction
from ..desk import set_person_active
from ..errors import Forbidden, NotFound
from ..models import ApiToken, Person
from ..services import accounts
from ..vocabulary import ROLES
from .auth import caller
from .pagination import PageArgs, page_schema, paginate

__all__ = ["blp"]

blp = Blueprint("people", __name__, url_prefix="/api", description="Desk accounts, roles and API tokens")


class PersonSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    active = fields.Boolean()
    can_log_in = fields.Boolean(metadata={"description": "has a password for the login page"})
    annotator_id = fields.Integer(allow_none=True, metadata={"description": "their Label Studio identity"})
    created_at = fields.DateTime()
    deactivated_at = fields.DateTime(allow_none=True)


class PersonCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    email = fields.Email(required=True)
    name = fields.String(allow_none=True, validate=validate.Length(max=255))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    password = fields.String(
        load_only=True, validate=validate.Length(min=accounts.MIN_PASSWORD_LENGTH, max=1024),
        metadata={"description": "to log in to the service's pages; omit for token-only or Label Studio-only people"},
    )


class PersonUpdateSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(allow_none=True, validate=validate.Length(max=255))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)))
    active = fields.Boolean(metadata={"description": "false deactivates: no login, no token; their work stays theirs"})
    password = fields.String(load_only=True, validate=validate.Length(min=accounts.MIN_PASSWORD_LENGTH, max=1024))


class TokenSchema(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "the token's first characters, to tell it apart"})
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True, metadata={"description": "to the minute"})
    revoked_at = fields.DateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "the token itself: shown this once, never stored"})


class TokenCreateSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    expires_in_days = fields.Integer(
        validate=validate.Range(min=1, max=3650), metadata={"description": "omit for a token that lasts until revoked"}
    )


def _person(session, person_id: int) -> Person:
    return accounts.require_person(session, person_id)


def _tokens(session, person_id: int) -> list[dict]:
    rows = session.scalars(sa.select(ApiToken).where(ApiToken.person_id == person_id).order_by(ApiToken.id)).all()
    return [accounts.token_dict(t) for t in rows]


def _issue(person_id: int, data: dict) -> dict:
    with transaction() as session:
        token, secret = accounts.issue_token(
            session, caller(), _person(session, person_id), data["name"], expires_in_days=data.get("expires_in_days")
        )
        return accounts.token_dict(token) | {"token": secret}


def _revoke(person_id: int, token_id: int) -> None:
    with transaction() as session:
        token = session.get(ApiToken, token_id)
        if token is None or token.person_id != person_id:
            raise NotFound(f"person {person_id} has no token {token_id}", {"token_id": [str(token_id)]})
        accounts.revoke_token(session, caller(), token_id)


@blp.route("/me", tags=["people"])
class Me(MethodView):
    @blp.response(200, PersonSchema)
    def get(self):
        """Who this request acts for, with their roles."""
        return accounts.person_dict(_person(get_session(), caller().person_id))


@blp.route("/me/tokens", tags=["people"])
class MyTokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """Your API tokens (prefix only)."""
        return _tokens(get_session(), caller().person_id)

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data):
        """Make an API token for yourself; the answer holds it, once."""
        return _issue(caller().person_id, data)


@blp.route("/me/tokens/<int:token_id>", tags=["people"])
class MyToken(MethodView):
    @blp.response(204)
    def delete(self, token_id: int):
        """Revoke one of your tokens; it stops working at once."""
        _revoke(caller().person_id, token_id)


@blp.route("/people", tags=["people"])
class People(MethodView):
    @blp.arguments(PageArgs, location="query", unknown=RAISE)
    @blp.response(200, page_schema(PersonSchema))
    def get(self, args):
        """Everyone on the desk, active or not."""
        session = get_session()
        page = paginate(session, sa.select(Person).order_by(Person.id), args)
        page["items"] = [accounts.person_dict(p) for p in page["items"]]
        return page

    @blp.arguments(PersonCreateSchema)
    @blp.response(201, PersonSchema)
    def post(self, data):
        """Add a person with their roles (and a password, to log in to the pages)."""
        with transaction() as session:
            person = accounts.add_person(session, caller(), **data)
            return accounts.person_dict(person)


@blp.route("/people/<int:person_id>", tags=["people"])
class PersonById(MethodView):
    @blp.response(200, PersonSchema)
    def get(self, person_id: int):
        return accounts.person_dict(_person(get_session(), person_id))

    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, PersonSchema)
    def patch(self, data, person_id: int):
        """Rename, change roles (never your own), set a password, or (de)activate."""
        actor = caller()
        if data.get("active") is False and person_id == actor.person_id:
            raise Forbidden("you cannot deactivate yourself: ask another admin", {"active": ["your own account"]})
        with transaction() as session:
            person = _person(session, person_id)
            if "name" in data:
                accounts.rename(session, actor, person, data["name"])
            if "roles" in data:
                accounts.set_roles(session, actor, person, data["roles"])
            if "password" in data:
                accounts.set_password(session, actor, person, data["password"])
            summary = accounts.person_dict(person)
        if "active" in data:
            settings = current_app.extensions["annotator.settings"]
            summary = set_person_active(actor, settings, person_id=person_id, active=data["active"])
        return summary


@blp.route("/people/<int:person_id>/tokens", tags=["people"])
class PersonTokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self, person_id: int):
        _person(get_session(), person_id)
        return _tokens(get_session(), person_id)

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data, person_id: int):
        """Make a token for someone (a script's account, say); the answer holds it, once."""
        return _issue(person_id, data)


@blp.route("/people/<int:person_id>/tokens/<int:token_id>", tags=["people"])
class PersonToken(MethodView):
    @blp.response(204)
    def delete(self, person_id: int, token_id: int):
        _revoke(person_id, token_id)

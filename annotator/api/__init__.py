"""The HTTP API: flask-smorest blueprints, one JSON error shape, offline OpenAPI docs,
and the desk's accounts in front of all of it (:mod:`.access` says who may call what)."""

from __future__ import annotations

import copy
from http import HTTPStatus

import swagger_ui_bundle
from flask import Flask, current_app, jsonify, send_from_directory
from flask_smorest import Api
from marshmallow import Schema, fields
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from .. import __version__
from ..errors import AnnotatorError, flatten_messages

__all__ = ["init_app", "AnnotatorApi", "build_verdict_sets"]

SWAGGER_UI_STATIC = "/api/docs/static/"


class ErrorSchema(Schema):
    """The one error shape every endpoint answers with."""

    code = fields.Integer(metadata={"description": "HTTP status code"})
    status = fields.String(metadata={"description": "HTTP status name"})
    message = fields.String(metadata={"description": "What went wrong, in a sentence"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Location (field, file:line, claim id) -> what to fix"},
    )
    type = fields.String(metadata={"description": "Machine-readable kind of error"})


class AnnotatorApi(Api):
    """flask-smorest's Api, answering errors in the service's one JSON shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", {}) or {}
        payload = {
            "code": error.code,
            "status": HTTPStatus(error.code).phrase,
            "message": data.get("message") or error.description,
            "errors": flatten_messages(data.get("messages") or data.get("errors") or {}),
            "type": error.name.lower().replace(" ", "_"),
        }
        if error.code == 422 and payload["message"] == error.description:
            payload["message"] = "the request did not validate: see errors for each field"
        return jsonify(payload), error.code, data.get("headers", {})

    def openapi_dict(self) -> dict:
        """The OpenAPI document with each operation's security requirement."""
        from .access import document

        return document(copy.deepcopy(self.spec.to_dict()))

    def _openapi_json(self):
        return current_app.response_class(
            current_app.json.dumps(self.openapi_dict(), indent=2, sort_keys=False), mimetype="application/json"
        )


def _annotator_error(error: AnnotatorError):
    headers = {"WWW-Authenticate": 'Bearer realm="annotator"'} if error.status == 401 else {}
    return jsonify(error.to_dict()), error.status, headers


def _integrity_error(error: IntegrityError):
    # Reached only when a check in a service missed a race; the request's
    # transaction was rolled back by db.transaction before we get here.
    conflict = AnnotatorError("the request conflicts with stored data")
    payload = conflict.to_dict() | {"code": 409, "status": "Conflict", "type": "conflict"}
    payload["errors"] = {"database": [str(error.orig).splitlines()[0]]}
    return jsonify(payload), 409


def init_app(app: Flask) -> None:
    """Register the blueprints, the error handlers and the docs page."""
    from . import (
        access,
        adjudications,
        agreement,
        articles,
        audit,
        auth,
        claims,
        hardening,
        home,
        labelstudio,
        login,
        mentions,
        meta,
        people,
        reports,
        verdicts,
        webhooks,
    )

    app.config.update(
        API_TITLE="annotator",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        # Swagger UI's files come from the swagger-ui-bundle package, so the docs
        # page works offline; its online spec validator is switched off likewise.
        OPENAPI_SWAGGER_UI_URL=SWAGGER_UI_STATIC,
        OPENAPI_SWAGGER_UI_CONFIG={"validatorUrl": None, "persistAuthorization": True},
    )
    # Before any other hook: a foreign Host or a bad body is refused before
    # anything (the CSRF check included) parses the request.
    hardening.init_app(app)
    auth.init_app(app)
    api = AnnotatorApi(app)
    for name, scheme in access.SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)
    app.register_error_handler(AnnotatorError, _annotator_error)
    app.register_error_handler(IntegrityError, _integrity_error)

    @app.get(SWAGGER_UI_STATIC + "<path:filename>")
    def swagger_ui_static(filename: str):
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    for module in (
        meta, people, audit, articles, claims, mentions, labelstudio, webhooks, verdicts, agreement, adjudications,
        reports, home,
    ):
        api.register_blueprint(module.blp)
    login.init_app(app)
    access.init_app(app)
    app.extensions["annotator.api"] = api
    build_verdict_sets(app)


def build_verdict_sets(app: Flask) -> None:
    """Build (or bring up to date) every verdict set before the first request: the
    GET views only read them, and the write paths keep them fresh from here on.

    A store not yet at the newest schema is left alone: `annotator db upgrade`
    migrates it, and the reads say what to do until the service restarts
    (``annotator serve`` calls this again just before it listens).
    """
    from ..db import current_revision, head_revision, transaction
    from ..services.verdicts import update_verdict_sets

    if current_revision(app.extensions["annotator.engine"]) != head_revision():
        return
    with app.app_context(), transaction() as session:
        update_verdict_sets(session, app.extensions["annotator.rules"].verdicts)

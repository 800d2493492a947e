"""Label Studio's webhooks: the fast path for judgments (the sync is the source of truth).

Label Studio sends a webhook synchronously inside the annotator's Submit, waits
at most a second and never retries, so the endpoint answers at once and a
failure here costs nothing the next sync does not recover.  A request must carry
the shared secret in :data:`WEBHOOK_SECRET_HEADER`, checked before the body is
read; bodies are capped at :data:`MAX_BODY_BYTES` and :data:`~.hardening.MAX_JSON_DEPTH`.

The secret alone proves nothing: Label Studio Community signs nothing, and any
member can read a webhook's headers through its API.  So a webhook is only a
notification: the annotation it names is read back from Label Studio with the
service's own credentials and that copy is stored, never the body's; a deletion
is applied only once Label Studio no longer has the annotation.  A forged body
changes nothing.  Refused requests (401, 404, 413, 4xx) store nothing.
"""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, validate, validates_schema
from werkzeug.exceptions import RequestEntityTooLarge

from ..db import transaction
from ..errors import Conflict, NotFound, PayloadTooLarge
from ..labelstudio.connection import WEBHOOK_PATH, WEBHOOK_SECRET_HEADER, connect, webhook_secret
from ..intake import gather_annotation, gather_deletion
from ..models import LabelStudioProject
from ..services.audit import LABEL_STUDIO, record
from . import ErrorSchema
from .hardening import refuse_deep_json

__all__ = ["blp", "MAX_BODY_BYTES", "GATHERED_ACTIONS"]

#: Larger than any annotation webhook (~5 KB plus the article text and the labeling config).
MAX_BODY_BYTES = 1_000_000

ANNOTATION_CREATED = "ANNOTATION_CREATED"
ANNOTATION_UPDATED = "ANNOTATION_UPDATED"
ANNOTATIONS_DELETED = "ANNOTATIONS_DELETED"
#: Deleted annotations read back per webhook: each is one call to Label Studio inside its
#: one-second wait; the rest of a bulk deletion is left to the next sync (their tasks changed).
MAX_DELETIONS_CHECKED = 100
#: Actions that change judgments; any other is acknowledged with 202 and ignored.
GATHERED_ACTIONS = (ANNOTATION_CREATED, ANNOTATION_UPDATED, ANNOTATIONS_DELETED)

_COUNTS = ("created", "updated", "unchanged", "skipped", "rejected", "deleted")

_PREFIX, _, _ENDPOINT = WEBHOOK_PATH.rpartition("/")
blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix=_PREFIX,
    description="Label Studio reports created, updated, skipped and deleted annotations",
)


class _Strictly(Schema):
    class Meta:
        unknown = EXCLUDE


#: Label Studio's ids (and the store's columns) are 32-bit.
LS_ID = validate.Range(min=1, max=2**31 - 1, error="must be a Label Studio id (1 to 2147483647)")


class ProjectRefSchema(_Strictly):
    id = fields.Integer(required=True, strict=True, validate=LS_ID)


class AnnotationRefSchema(_Strictly):
    id = fields.Integer(required=True, strict=True, validate=LS_ID)


class AnnotationPayloadSchema(Schema):
    """An annotation as Label Studio sends it; its other fields are kept for the reader."""

    class Meta:
        unknown = INCLUDE

    id = fields.Integer(required=True, strict=True, validate=LS_ID)
    task = fields.Integer(required=True, strict=True, validate=LS_ID)
    project = fields.Integer(strict=True, validate=LS_ID)
    completed_by = fields.Raw(required=True, metadata={"description": "Label Studio user id (or an object with one)"})
    result = fields.List(
        fields.Raw(), load_default=list, metadata={"description": "regions; read by the service's rules"}
    )
    was_cancelled = fields.Boolean(load_default=False, metadata={"description": "true for a skip"})
    updated_at = fields.String(allow_none=True)


class WebhookSchema(_Strictly):
    """What Label Studio posts (``send_payload``); only the fields used are checked."""

    action = fields.String(required=True, validate=validate.Length(min=1, max=100))
    annotation = fields.Nested(AnnotationPayloadSchema)
    annotations = fields.List(fields.Nested(AnnotationRefSchema), validate=validate.Length(max=100_000))
    project = fields.Nested(ProjectRefSchema)

    @validates_schema
    def _fields_of_the_action(self, data, **_kwargs):
        action = data["action"]
        if action in (ANNOTATION_CREATED, ANNOTATION_UPDATED):
            if "annotation" not in data:
                raise ValidationError(f"required for {action}", "annotation")
            if "project" not in data and "project" not in data["annotation"]:
                raise ValidationError(f"required for {action} (or annotation.project)", "project")
        elif action == ANNOTATIONS_DELETED:
            if "annotations" not in data:
                raise ValidationError(f"required for {action}", "annotations")
            if "project" not in data:
                raise ValidationError(f"required for {action}", "project")


class WebhookResultSchema(Schema):
    action = fields.String()
    outcome = fields.String(
        metadata={"description": "created, updated, unchanged, deleted, or ignored (nothing stored: see problems)"}
    )
    project_id = fields.Integer(allow_none=True, metadata={"description": "Label Studio project id"})
    task_id = fields.Integer(allow_none=True)
    annotation_ids = fields.List(fields.Integer())
    created = fields.Integer(metadata={"description": "judgments (one per claim) stored for the first time"})
    updated = fields.Integer()
    unchanged = fields.Integer()
    skipped = fields.Integer(metadata={"description": "of those created or updated: skips"})
    rejected = fields.Integer(metadata={"description": "of those created or updated: kept, never counted"})
    deleted = fields.Integer()
    problems = fields.List(fields.String())


@blp.before_request
def _authenticate():
    """Refuse a wrong secret before reading anything, and cap what may be read."""
    # One byte over the limit may be read, to tell a body cut off at the limit from one that fits.
    request.max_content_length = MAX_BODY_BYTES + 1
    expected = webhook_secret(current_app.extensions["annotator.settings"])
    given = request.headers.get(WEBHOOK_SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        abort(
            401,
            message=f"missing or wrong {WEBHOOK_SECRET_HEADER} header: `annotator push` registers the webhook with it",
        )
    if request.content_length is not None:
        if request.content_length > MAX_BODY_BYTES:
            raise _too_large()
    body = request.get_data(cache=True)
    if len(body) > MAX_BODY_BYTES:
        # Chunked: werkzeug silently cuts such a body off at the limit instead of refusing it.
        raise _too_large()
    refuse_deep_json(body)


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"a webhook body may be at most {MAX_BODY_BYTES} bytes: nothing stored",
        {"body": [f"larger than {MAX_BODY_BYTES} bytes"]},
    )


@blp.errorhandler(RequestEntityTooLarge)
def _cut_off(_error):
    # A body without Content-Length is cut off while it is read, inside the view.
    error = _too_large()
    return error.to_dict(), error.status


def _project(session, ls_project_id: int) -> LabelStudioProject:
    projects = session.scalars(
        sa.select(LabelStudioProject).where(LabelStudioProject.ls_project_id == ls_project_id)
    ).all()
    if len(projects) > 1:
        # The same id on two Label Studio servers: the configured project wins.
        key = current_app.extensions["annotator.settings"].label_studio_project
        projects = [p for p in projects if p.project_key == key]
        if len(projects) != 1:
            raise Conflict(
                f"Label Studio project {ls_project_id} is known on several servers",
                {"project.id": [str(ls_project_id)]},
            )
    if not projects:
        raise NotFound(
            f"no pushed project has Label Studio id {ls_project_id}: nothing stored",
            {"project.id": [str(ls_project_id)]},
        )
    return projects[0]


def _service_user(client) -> int:
    """The service's own Label Studio user (its API key's), looked up once per server."""
    known = current_app.extensions.setdefault("annotator.ls_service_users", {})
    if client.url not in known:
        known[client.url] = client.whoami()["id"]
    return known[client.url]


def _read_back(client, ls_project_id: int, annotation_id: int) -> dict:
    """Label Studio's own copy of the annotation, or NotFound: nothing is stored."""
    stored = client.annotation(annotation_id)
    if stored is None or stored.get("project") != ls_project_id:
        raise NotFound(
            f"Label Studio project {ls_project_id} has no annotation {annotation_id}: nothing stored"
            " (the service reads every notified annotation back from Label Studio)",
            {"annotation.id": [str(annotation_id)]},
        )
    return stored


@blp.route("/" + _ENDPOINT)
class LabelStudioWebhook(MethodView):
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": WEBHOOK_SECRET_HEADER,
                "required": True,
                "schema": {"type": "string"},
                "description": "the shared secret `annotator push` registers with the webhook",
            }
        ]
    )
    @blp.arguments(WebhookSchema)
    @blp.response(200, WebhookResultSchema)
    @blp.alt_response(
        202, schema=WebhookResultSchema, description="an action not gathered: nothing stored", success=True
    )
    @blp.alt_response(401, schema=ErrorSchema, description="missing or wrong secret: nothing stored")
    @blp.alt_response(
        404, schema=ErrorSchema,
        description="not a project this service pushed, or an annotation Label Studio does not have: nothing stored",
    )
    @blp.alt_response(413, schema=ErrorSchema, description="body over the limit: nothing stored")
    def post(self, payload):
        """Store what an ANNOTATION_CREATED, ANNOTATION_UPDATED or ANNOTATIONS_DELETED changes.

        Skips arrive as ANNOTATION_CREATED with ``was_cancelled: true``.  The
        same annotation posted twice is stored once; an annotation of a task
        this service did not push is acknowledged and ignored.
        """
        action = payload["action"]
        empty = {"action": action} | dict.fromkeys(_COUNTS, 0)
        if action not in GATHERED_ACTIONS:
            return empty | {"outcome": "ignored", "problems": [f"{action} is not gathered"]}, 202
        settings = current_app.extensions["annotator.settings"]
        rules = current_app.extensions["annotator.rules"]
        annotation = payload.get("annotation") or {}
        ls_project_id = payload["project"]["id"] if "project" in payload else annotation["project"]
        with transaction() as session:
            project = _project(session, ls_project_id)
            client = connect(settings)
            if action == ANNOTATIONS_DELETED:
                ids = [a["id"] for a in payload["annotations"]]
                checked, left = ids[:MAX_DELETIONS_CHECKED], ids[MAX_DELETIONS_CHECKED:]
                gone = [i for i in checked if client.annotation(i) is None]
                problems = [f"annotation {i} is still in Label Studio: not deleted" for i in checked if i not in gone]
                if left:
                    problems.append(
                        f"{len(left)} more deleted annotation(s) not checked here: the next sync applies them"
                    )
                deleted = gather_deletion(session, rules, project, gone).count
                if deleted:
                    record(session, LABEL_STUDIO, "judgments.delete", target_type="annotations",
                           target_id=",".join(map(str, gone))[:100], after={"annotations": gone, "deleted": deleted})
                return empty | {
                    "outcome": "deleted" if deleted else "unchanged",
                    "project_id": ls_project_id,
                    "annotation_ids": ids,
                    "deleted": deleted,
                    "problems": problems,
                }
            stored = _read_back(client, ls_project_id, annotation["id"])
            change = gather_annotation(
                session, rules, project, stored, resolve_user=client.user, service_user=_service_user(client)
            )
            if change.outcome in ("created", "updated"):
                action = "judgments.add" if change.outcome == "created" else "judgments.update"
                record(session, LABEL_STUDIO, action, target_type="annotations", target_id=change.annotation_id,
                       after=change.as_dict())
        return change.as_dict() | {
            "action": action,
            "project_id": ls_project_id,
            "annotation_ids": [change.annotation_id],
        }

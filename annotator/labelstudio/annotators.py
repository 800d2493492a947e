"""Annotators: people who log in to Label Studio, and the store's record of them.

On the local server a user is created with a password they can log in with
(Label Studio's API ignores passwords, so the server module signs them up
through the invite form).  On an existing server the person signs up through
the organisation's invite link with their own password; the store links them
by e-mail when their first judgment arrives.
"""

from __future__ import annotations

import dataclasses
import secrets

import sqlalchemy as sa
from marshmallow import ValidationError, fields, validate
from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import Conflict, InputError
from ..models import Annotator
from .accounts import Credentials
from .connection import connect, local_server
from .server import CREDENTIALS_FILE

__all__ = ["NewAnnotator", "add_annotator", "set_login_active", "SIMULATED_DOMAIN", "is_simulated_email"]

#: Simulated annotators (the demo) have addresses here, so they are never taken for people.
SIMULATED_DOMAIN = "simulated.invalid"

_EMAIL = fields.Email(validate=validate.Length(max=255))


def is_simulated_email(email: str) -> bool:
    return email.lower().endswith("@" + SIMULATED_DOMAIN)


@dataclasses.dataclass(frozen=True)
class NewAnnotator:
    annotator: Annotator
    #: the password set for them (only when this call chose it), to hand over once
    password: str | None
    #: where they sign up themselves (an existing Label Studio), else None
    invite_url: str | None
    login_url: str


def add_annotator(
    session: Session, settings: Settings, email: str, *, name: str | None = None, password: str | None = None
) -> NewAnnotator:
    """Create (or link) the Label Studio user for ``email`` and record the annotator."""
    try:
        email = _EMAIL.deserialize(email.strip())
    except ValidationError as exc:
        raise InputError(f"{email!r} is not an e-mail address", {"email": exc.messages}) from exc
    if password is not None and len(password) < 8:
        raise InputError("the password is too short", {"password": ["use at least 8 characters"]})
    if session.scalar(sa.select(Annotator).where(sa.func.lower(Annotator.email) == email.lower())):
        raise Conflict(f"annotator {email} exists", {"email": ["already an annotator"]})
    simulated = is_simulated_email(email)
    chosen = None
    invite = None
    if settings.label_studio_url:
        client = connect(settings)
        user = client.find_user(email)
        if user is None:
            invite = client.invite_url()
        login_url = client.url + "/user/login/"
    else:
        server = local_server(settings)
        chosen = password or secrets.token_urlsafe(12)
        user = dataclasses.asdict(server.create_user(email, chosen, first_name=name or ""))
        login_url = server.url + "/user/login/"
    annotator = Annotator(email=email, name=name, simulated=simulated, ls_user_id=user["id"] if user else None)
    session.add(annotator)
    session.flush()
    return NewAnnotator(annotator, chosen if password is None else None, invite, login_url)


def set_login_active(settings: Settings, ls_user_id: int, active: bool) -> None:
    """Deactivate (``active=False``) or reactivate the Label Studio user ``ls_user_id``;
    see :meth:`LabelStudioClient.set_user_active`.  On the local server the admin's
    provisioned e-mail and password log in to Label Studio's admin (its legacy token
    cannot); on a configured server the API key is used (best a personal access token)."""
    admin_login = None
    if not settings.label_studio_url:
        saved = Credentials.load(local_server(settings).data_dir / CREDENTIALS_FILE)
        admin_login = (saved.email, saved.password) if saved else None
    connect(settings, admin_login=admin_login).set_user_active(ls_user_id, active)

"""Who is calling: an API token (``Authorization: Bearer ...``) or the browser's session.

A token wins over a cookie, and a bad token is a 401 even with a good cookie, so a
script never acts by accident as whoever last logged in on the machine.  The
session is flask-login's, in a signed, HttpOnly, SameSite=Lax cookie; its user id
carries a fingerprint of the password hash, so changing a password (or
deactivating the person) ends their sessions.  Writes made with the cookie need
flask-wtf's CSRF token; writes made with a token do not (no browser sends one on
its own).
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from ..db import SAFE_METHODS, get_session
from ..errors import CsrfRefused, Unauthorized
from ..models import ApiToken, Person, as_utc, utcnow
from ..services.accounts import person_for_token
from ..services.audit import Actor

__all__ = ["init_app", "DeskUser", "caller", "SESSION_COOKIE"]

SESSION_COOKIE = "annotator_session"
#: A token's last use is written at most this often: a busy script costs no write per call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

csrf = CSRFProtect()
login_manager = LoginManager()


class DeskUser(UserMixin):
    """The signed-in person, as flask-login keeps them between requests."""

    def __init__(self, person: Person):
        self.person_id = person.id
        self.actor = Actor.for_person(person, "session")
        self.session_id = f"{person.id}.{_fingerprint(person)}"

    def get_id(self) -> str:
        return self.session_id


def _fingerprint(person: Person) -> str:
    return hashlib.sha256((person.password_hash or "").encode("utf-8")).hexdigest()[:16]


@login_manager.user_loader
def _load_user(session_id: str) -> DeskUser | None:
    person_id, _, fingerprint = session_id.partition(".")
    if not person_id.isdigit():
        return None
    person = get_session().get(Person, int(person_id))
    if person is None or not person.active or _fingerprint(person) != fingerprint:
        return None
    return DeskUser(person)


def caller() -> Actor | None:
    """The person this request acts for (None: anonymous)."""
    return g.get("desk_caller")


def identify() -> None:
    """Set ``g.desk_caller`` from the token or the session; refuse a bad token."""
    g.desk_caller = None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized(
                "send an API token as `Authorization: Bearer <token>`", {"authorization": ["not a bearer token"]}
            )
        found = person_for_token(get_session(), secret.strip())
        if found is None:
            raise Unauthorized(
                "the API token is wrong, expired or revoked, or its person was deactivated",
                {"authorization": ["token not accepted"]},
            )
        person, token = found
        g.desk_caller = Actor.for_person(person, f"token:{token.name}")
        _stamp_last_use(token)
        return
    if current_user.is_authenticated:
        g.desk_caller = current_user.actor
        if request.method not in SAFE_METHODS:
            csrf.protect()


def _stamp_last_use(token: ApiToken) -> None:
    """Write the token's last use on a connection of its own: a GET's transaction is
    read-only, and the stamp must not wait for (or roll back with) the request."""
    now = utcnow()
    last = as_utc(token.last_used_at)
    if last is not None and last > now - LAST_USED_RESOLUTION:
        return
    with current_app.extensions["annotator.engine"].begin() as connection:
        connection.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))


def _csrf_refused(error: CSRFError):
    refusal = CsrfRefused(
        f"cross-site request refused: {error.description} (a page of this service sends the"
        " X-CSRFToken header or csrf_token field; scripts use an API token instead)",
        {"csrf_token": [error.description]},
    )
    return refusal.to_dict(), refusal.status


def init_app(app: Flask) -> None:
    settings = app.extensions["annotator.settings"]
    app.config.update(
        SECRET_KEY=settings.session_secret(),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.service_url.startswith("https://"),
        # Checked by identify() for cookie-authenticated writes only.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A token lives as long as the browser session, so a page left open still works.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    app.register_error_handler(CSRFError, _csrf_refused)

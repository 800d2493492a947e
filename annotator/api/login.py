"""The login page and logout, for people reading and settling claims in a browser.

Attempts are counted with the ``limits`` library (the engine of flask-limiter):
per address and per account, in :attr:`Settings.rate_limit_storage` (memory, or
Redis when several workers must share the count).  The form carries a CSRF token,
so another site cannot log a visitor in as someone else.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.views import MethodView
from flask_login import login_user, logout_user
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ..db import transaction
from ..services.accounts import check_password
from .auth import DeskUser, csrf

__all__ = ["blp", "init_app", "PER_ADDRESS", "PER_ACCOUNT"]

blp = Blueprint("login", __name__, template_folder="templates")

#: attempts from one address, and failures against one account, before a pause
PER_ADDRESS = parse("20 per minute")
PER_ACCOUNT = parse("5 per 5 minutes")


class LoginFormSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # csrf_token is checked by flask-wtf

    email = fields.String(required=True, validate=validate.Length(min=3, max=255))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    next = fields.String(load_default="/", validate=validate.Length(max=2000))


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("home.Home")
    return target


def _page(error: str | None = None, status: int = 200, email: str = ""):
    next_url = _safe_next(request.values.get("next"))
    return render_template("login.html", error=error, next_url=next_url, email=email), status


class Login(MethodView):
    def get(self):
        return _page()

    def post(self):
        csrf.protect()
        limiter: MovingWindowRateLimiter = current_app.extensions["annotator.login_limiter"]
        address = request.remote_addr or "unknown"
        if not limiter.hit(PER_ADDRESS, "login-address", address):
            return _page("Too many attempts from this address: wait a minute and try again.", 429)
        try:
            form = LoginFormSchema().load(request.form)
        except ValidationError:
            return _page("Enter your e-mail and password.", 400)
        email = form["email"].strip().lower()
        if not limiter.test(PER_ACCOUNT, "login-account", email):
            return _page("Too many failed attempts for this account: wait five minutes and try again.", 429, email)
        with transaction() as session:  # a rehash of an old password hash is stored
            person = check_password(session, email, form["password"])
            user = DeskUser(person) if person is not None else None
        if user is None:
            limiter.hit(PER_ACCOUNT, "login-account", email)
            return _page("Wrong e-mail or password, or the account is deactivated.", 401, email)
        login_user(user)
        return redirect(_safe_next(form["next"]))


class Logout(MethodView):
    def post(self):
        logout_user()
        return redirect(url_for("login.Login"))


blp.add_url_rule("/login", view_func=Login.as_view("Login"))
blp.add_url_rule("/logout", view_func=Logout.as_view("Logout"))


def init_app(app) -> None:
    storage = storage_from_string(app.extensions["annotator.settings"].rate_limit_storage)
    app.extensions["annotator.login_limiter"] = MovingWindowRateLimiter(storage)
    app.register_blueprint(blp)

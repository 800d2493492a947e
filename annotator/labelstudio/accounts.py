"""Accounts on a local Label Studio: the admin's, and users who log in with a password.

The admin's :class:`Credentials` are generated once and kept in the data folder:
the server is set up with them.  Label Studio's API ignores passwords, so any other user is
signed up through the organisation's invite link and logged in through the login
form, as a browser would (Django's forms, CSRF token and all).
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import json
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

import httpx

from ..errors import LabelStudioError, LoginRefused, UserRejected

__all__ = ["DEFAULT_ADMIN_EMAIL", "Credentials", "AnnotatorUser", "create_user", "login"]

DEFAULT_ADMIN_EMAIL = "admin@annotator.local"


@dataclasses.dataclass(frozen=True)
class Credentials:
    """The admin account Label Studio is set up with, kept in the data folder."""

    email: str
    password: str
    token: str

    @classmethod
    def generate(cls, email: str = DEFAULT_ADMIN_EMAIL) -> Credentials:
        # DRF tokens are 40 characters; Label Studio keeps only tokens longer than 5.
        return cls(email=email, password=secrets.token_urlsafe(18), token=secrets.token_hex(20))

    @classmethod
    def load(cls, path: Path) -> Credentials | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return cls(email=data["email"], password=data["password"], token=data["token"])

    def save(self, path: Path) -> None:
        """Write the file readable by its owner only, atomically."""
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(dataclasses.asdict(self), out, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)


@dataclasses.dataclass(frozen=True)
class AnnotatorUser:
    """A Label Studio user that can log in with a password."""

    id: int
    email: str


def create_user(
    url: str,
    admin_headers: dict[str, str],
    email: str,
    password: str,
    *,
    first_name: str,
    last_name: str,
    reset_password: Callable[[str, str], None],
) -> AnnotatorUser:
    """Sign ``email`` up with ``password``, or ``reset_password`` of an existing user;
    then name them.  The caller checks the login."""
    with httpx.Client(base_url=url, headers=admin_headers, timeout=30) as api:
        existing = _find_user(api, email)
        if existing is None:
            _sign_up(api, email, password)
            existing = _find_user(api, email)
            if existing is None:
                raise LabelStudioError(
                    f"signed up {email}, but Label Studio does not list them"
                )
        else:
            reset_password(existing["email"], password)
        if first_name or last_name:
            response = api.patch(
                f"/api/users/{existing['id']}/",
                json={"first_name": first_name, "last_name": last_name},
            )
            _expect(response, 200, f"naming user {email}")
    return AnnotatorUser(id=existing["id"], email=existing["email"])


def login(url: str, email: str, password: str) -> httpx.Client:
    """An HTTP client logged in through the login form; the caller closes it."""
    client = httpx.Client(base_url=url, timeout=30)
    try:
        page = client.get("/user/login/")
        _expect(page, 200, "opening the login page")
        response = client.post(
            "/user/login/",
            data={
                "email": email,
                "password": password,
                "csrfmiddlewaretoken": _csrf_token(page),
            },
            headers={"Referer": f"{client.base_url}user/login/"},
        )
        whoami = client.get("/api/current-user/whoami")
        if response.status_code != 302 or whoami.status_code != 200:
            raise LoginRefused(
                f"{email} cannot log in to {client.base_url}: "
                + (_form_errors(response.text) or f"HTTP {response.status_code}")
            )
    except BaseException:
        client.close()
        raise
    return client


def _find_user(api: httpx.Client, email: str) -> dict | None:
    response = api.get("/api/users/")
    _expect(response, 200, "listing users")
    wanted = email.strip().lower()
    return next((u for u in response.json() if u["email"].lower() == wanted), None)


def _sign_up(api: httpx.Client, email: str, password: str) -> None:
    invite = api.get("/api/invite")
    _expect(invite, 200, "reading the invite link")
    signup_url = invite.json()["invite_url"]
    # A separate, cookie-less client: the sign-up logs the new user in.
    with httpx.Client(base_url=api.base_url, timeout=30) as browser:
        page = browser.get(signup_url)
        _expect(page, 200, "opening the sign-up page")
        response = browser.post(
            signup_url,
            data={
                "email": email,
                "password": password,
                "csrfmiddlewaretoken": _csrf_token(page),
            },
            headers={"Referer": f"{api.base_url}user/signup/"},
        )
    if response.status_code != 302:
        errors = _form_errors(response.text)
        raise UserRejected(
            f"Label Studio refused to create {email}: {errors or f'HTTP {response.status_code}'}",
            {email: [errors or f"HTTP {response.status_code}"]},
        )


def _expect(response: httpx.Response, status: int, doing: str) -> None:
    if response.status_code != status:
        raise LabelStudioError(
            f"Label Studio answered HTTP {response.status_code} when {doing}",
            {str(response.request.url): [response.text[:300]]},
        )


def _csrf_token(page: httpx.Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if match:
        return match.group(1)
    token = page.cookies.get("csrftoken")
    if not token:
        raise LabelStudioError(f"no CSRF token on {page.request.url}")
    return token


def _form_errors(html: str) -> str:
    """The messages a Django form page shows, joined; '' if none."""
    items = re.findall(r'<ul class="[^"]*errors?[^"]*">(.*?)</ul>', html, flags=re.S)
    messages = [m for block in items for m in re.findall(r"<li>(.*?)</li>", block, re.S)]
    messages += re.findall(r'<p class="error">(.*?)</p>', html, flags=re.S)  # the login form's
    return "; ".join(dict.fromkeys(html_lib.unescape(m.strip()) for m in messages))


"""Browser sessions, API tokens and the hardening around every request."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from annotator.db import get_session
from annotator.models import ApiToken, AuditEvent, Person

PASSWORD = "correct horse battery staple"


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, email: str, password: str = PASSWORD, next_url: str = "/"):
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token, "next": next_url})


@pytest.fixture
def viewer(desk):
    desk("viewer", email="vera@desk.example", password=PASSWORD, name="Vera")
    return "vera@desk.example"


def test_log_in_read_and_log_out(app, story, viewer):
    client = app.test_client()
    assert client.get("/").status_code == 302
    answer = log_in(client, viewer, next_url="/claims/pact")
    assert (answer.status_code, answer.headers["Location"]) == (302, "/claims/pact")
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and cookie.startswith("annotator_session=")
    page = client.get("/claims/pact")
    assert page.status_code == 200 and "Signed in as" in page.get_data(as_text=True)
    assert "Settle this claim" not in page.get_data(as_text=True)  # a viewer does not adjudicate
    assert client.get("/api/verdicts").status_code == 200
    logout = client.post("/logout", data={"csrf_token": csrf_of(page.get_data(as_text=True))})
    assert logout.status_code == 302
    assert client.get("/api/verdicts").status_code == 401


@pytest.mark.parametrize("password", ["wrong password!", ""], ids=["wrong", "empty"])
def test_a_wrong_password_is_refused_without_saying_which_part(app, viewer, password):
    client = app.test_client()
    answer = log_in(client, viewer, password)
    assert answer.status_code in (400, 401)
    assert client.get("/api/verdicts").status_code == 401
    unknown = log_in(client, "nobody@desk.example")
    assert "Wrong e-mail or password" in unknown.get_data(as_text=True)


def test_a_deactivated_person_cannot_log_in_and_their_session_ends(app, viewer, desk):
    client = app.test_client()
    assert log_in(client, viewer).status_code == 302
    _, admin = desk("admin")
    person_id = _person_id(app, viewer)
    assert app.test_client().patch(f"/api/people/{person_id}", json={"active": False}, headers=admin).status_code == 200
    assert client.get("/api/verdicts").status_code == 401
    assert log_in(app.test_client(), viewer).status_code == 401


def test_a_new_password_ends_old_sessions(app, viewer, desk):
    client = app.test_client()
    log_in(client, viewer)
    _, admin = desk("admin")
    person_id = _person_id(app, viewer)
    app.test_client().patch(f"/api/people/{person_id}", json={"password": "an entirely new one"}, headers=admin)
    assert client.get("/api/verdicts").status_code == 401


def _person_id(app, email: str) -> int:
    with app.app_context():
        return get_session().scalar(sa.select(Person.id).where(Person.email == email))


def test_login_attempts_are_limited_per_account(app, viewer):
    client = app.test_client()
    for _ in range(5):
        assert log_in(client, viewer, "wrong password!").status_code == 401
    blocked = log_in(client, viewer)  # even the right password waits now
    assert blocked.status_code == 429 and "Too many" in blocked.get_data(as_text=True)


def test_the_login_form_needs_its_csrf_token(app, viewer):
    answer = app.test_client().post("/login", data={"email": viewer, "password": PASSWORD})
    assert (answer.status_code, answer.json["type"]) == (403, "csrf_failed")


def test_next_never_leaves_the_site(app, viewer):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = log_in(app.test_client(), viewer, next_url=target)
        assert answer.headers["Location"] == "/", target


def test_a_cookie_write_needs_the_csrf_token_a_token_write_does_not(app, story, desk):
    desk("coordinator", email="cora@desk.example", password=PASSWORD)
    client = app.test_client()
    log_in(client, "cora@desk.example")
    # what a page on another site can make a browser send: the cookie, no token
    forged = client.post("/api/claims", json={"id": "forged", "text": "x"}, headers={"Origin": "http://evil.example"})
    assert (forged.status_code, forged.json["type"]) == (403, "csrf_failed")
    form = client.post("/api/verdicts/rebuild", data={"method": "majority"})
    assert form.status_code == 403
    token = csrf_of(client.get("/claims/pact").get_data(as_text=True))
    made = client.post("/api/claims", json={"id": "with-token", "text": "a claim"}, headers={"X-CSRFToken": token})
    assert made.status_code == 201
    _, headers = desk("coordinator")
    assert app.test_client().post("/api/claims", json={"id": "by-script", "text": "x"}, headers=headers).status_code == 201


def test_a_token_is_shown_once_stored_hashed_and_revocable(app, client, desk):
    made = client.post("/api/me/tokens", json={"name": "nightly export", "expires_in_days": 30})
    assert made.status_code == 201
    secret = made.json["token"]
    assert secret.startswith("ann_") and len(secret) > 40
    listed = client.get("/api/me/tokens").json
    assert all("token" not in t for t in listed) and secret[:12] in [t["prefix"] for t in listed]
    with app.app_context():
        digests = get_session().scalars(sa.select(ApiToken.digest)).all()
    assert secret not in digests
    headers = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/me", headers=headers).json["email"] == "admin@desk.example"
    with app.app_context():
        used = get_session().scalar(sa.select(ApiToken.last_used_at).where(ApiToken.id == made.json["id"]))
    assert used is not None
    assert client.delete(f"/api/me/tokens/{made.json['id']}").status_code == 204
    assert app.test_client().get("/api/me", headers=headers).status_code == 401


def test_an_expired_token_or_a_deactivated_persons_token_is_refused(app, client, desk):
    person_id, headers = desk("viewer")
    assert app.test_client().get("/api/verdicts", headers=headers).status_code in (200, 503)
    with app.app_context():
        session = get_session()
        session.execute(sa.update(ApiToken).where(ApiToken.person_id == person_id)
                        .values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)))
        session.commit()
    assert app.test_client().get("/api/verdicts", headers=headers).status_code == 401
    other_id, other = desk("viewer")
    client.patch(f"/api/people/{other_id}", json={"active": False})
    assert app.test_client().get("/api/verdicts", headers=other).status_code == 401


def test_nobody_changes_their_own_roles(app, client, desk):
    me = client.get("/api/me").json
    own = client.patch(f"/api/people/{me['id']}", json={"roles": ["viewer"]})
    assert (own.status_code, own.json["type"]) == (403, "forbidden")
    coordinator_id, coordinator = desk("coordinator")
    escalate = app.test_client().patch(f"/api/people/{coordinator_id}", json={"roles": ["admin"]}, headers=coordinator)
    assert escalate.status_code == 403
    with app.app_context():
        roles = get_session().get(Person, coordinator_id).roles
    assert roles == {"coordinator"}


def test_account_changes_are_audited_without_secrets(app, client):
    made = client.post("/api/people", json={"email": "new@desk.example", "roles": ["editor"], "password": PASSWORD})
    assert made.status_code == 201 and made.json["roles"] == ["editor"]
    client.patch(f"/api/people/{made.json['id']}", json={"roles": ["editor", "viewer"]})
    log = client.get("/api/audit?action=person.").json["items"]
    assert [e["action"] for e in log][:2] == ["person.roles", "person.add"]
    assert log[0]["actor"] == "admin@desk.example" and log[0]["via"] == "token:tests"
    assert log[0]["before"]["roles"] == ["editor"] and log[0]["after"]["roles"] == ["editor", "viewer"]
    with app.app_context():
        everything = str([(e.before, e.after) for e in get_session().scalars(sa.select(AuditEvent))])
    assert PASSWORD not in everything and "argon2" not in everything


def test_passwords_are_argon2id_hashes(app, viewer):
    with app.app_context():
        stored = get_session().scalar(sa.select(Person.password_hash).where(Person.email == viewer))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_short_password_is_refused(client):
    answer = client.post("/api/people", json={"email": "short@desk.example", "roles": ["viewer"], "password": "short"})
    assert answer.status_code == 422 and "json.password" in answer.json["errors"]


# -- hardening ----------------------------------------------------------------------


def test_a_foreign_host_is_refused(anonymous):
    answer = anonymous.get("/api/health", headers={"Host": "rebind.evil.example"})
    assert answer.status_code == 400


def test_every_answer_carries_the_security_headers(client, anonymous):
    for answer in (anonymous.get("/login"), client.get("/api/claims"), anonymous.get("/api/health")):
        headers = answer.headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Access-Control-Allow-Origin" not in headers


def test_the_docs_page_allows_only_its_own_inline_script_by_hash(anonymous):
    answer = anonymous.get("/api/docs")
    assert answer.status_code == 200
    policy = answer.headers["Content-Security-Policy"]
    assert "'sha256-" in policy and "unsafe-inline" not in policy.split("style-src")[0]


def test_a_body_nested_deep_is_refused_before_parsing(client):
    deep = "[" * 100_000 + "]" * 100_000
    answer = client.post("/api/claims", data=deep, content_type="application/json")
    assert answer.status_code == 400 and "nests" in answer.json["message"]


def test_a_write_that_is_not_json_a_form_or_an_upload_is_refused(client):
    answer = client.post("/api/reports", data="formats=json", content_type="text/plain")
    assert (answer.status_code, answer.json["type"]) == (415, "unsupported_media_type")


def test_the_openapi_document_declares_how_to_authenticate(anonymous):
    spec = anonymous.get("/api/openapi.json").json
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerToken"] == {**schemes["bearerToken"], "type": "http", "scheme": "bearer"}
    operations = [op for path in spec["paths"].values() for m, op in path.items() if m in ("get", "post", "patch", "delete")]
    assert all("security" in op and "x-access" in op for op in operations)
    assert spec["paths"]["/api/health"]["get"]["security"] == []
    assert spec["paths"]["/api/adjudications"]["post"]["x-access"] == "editor"

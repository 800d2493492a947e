"""Annotators' Label Studio logins come only from the desk, and end with the desk account:
through the API, against the session's real (local) Label Studio."""

from __future__ import annotations

import uuid

import pytest

from annotator import create_app
from annotator.errors import LoginRefused


@pytest.fixture
def desk_app(database_url, tmp_path, labelstudio_server):
    """The service using the session's Label Studio as its local server."""
    app = create_app(
        {
            "database_url": database_url,
            "exports_dir": tmp_path / "exports",
            "label_studio_port": labelstudio_server.port,
            "label_studio_data_dir": labelstudio_server.data_dir,
        }
    )
    yield app
    app.extensions["annotator.engine"].dispose()


def _headers(app, *roles):
    from annotator.db import transaction
    from annotator.services import accounts
    from annotator.services.audit import Actor

    with app.app_context(), transaction() as session:
        person = accounts.add_person(session, Actor.local_operator(), f"{roles[0]}-{uuid.uuid4().hex[:6]}@desk.example", roles=roles)
        _token, secret = accounts.issue_token(session, Actor.local_operator(), person, "tests")
    return {"Authorization": f"Bearer {secret}"}


def test_a_coordinator_makes_the_login_and_deactivating_the_desk_account_ends_it(desk_app, labelstudio_server):
    client = desk_app.test_client()
    coordinator, admin, viewer = (_headers(desk_app, r) for r in ("coordinator", "admin", "viewer"))
    email = f"dewi-{uuid.uuid4().hex[:6]}@example.org"
    assert client.post("/api/annotators", json={"email": email}, headers=viewer).status_code == 403
    made = client.post("/api/annotators", json={"email": email, "name": "Dewi"}, headers=coordinator)
    assert made.status_code == 201, made.get_json()
    password = made.get_json()["password"]
    assert password and labelstudio_server.login(email, password)

    people = client.get("/api/people?per_page=500", headers=admin).get_json()["items"]
    dewi = next(p for p in people if p["email"] == email)
    assert (dewi["roles"], dewi["annotator_id"], dewi["can_log_in"]) == (
        ["annotator"], made.get_json()["annotator"]["id"], False,
    )

    assert client.patch(f"/api/people/{dewi['id']}", json={"active": False}, headers=admin).status_code == 200
    with pytest.raises(LoginRefused):
        labelstudio_server.login(email, password)
    log = client.get("/api/audit?action=annotator.", headers=admin).get_json()["items"]
    assert [(e["action"], e["after"].get("active")) for e in log][:2] == [("annotator.login", False), ("annotator.add", None)]

    assert client.patch(f"/api/people/{dewi['id']}", json={"active": True}, headers=admin).status_code == 200
    assert labelstudio_server.login(email, password)

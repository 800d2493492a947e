"""Deactivating a Label Studio user (through Django admin's user form), against the
session's real Label Studio: every credential of theirs stops reading anything."""

from __future__ import annotations

import uuid

import httpx
import pytest

from annotator.config import Settings
from annotator.errors import LabelStudioError, LoginRefused
from annotator.labelstudio.annotators import set_login_active
from annotator.labelstudio.client import LabelStudioClient

WHOAMI = "/api/current-user/whoami"


def _person(labelstudio_server, labelstudio) -> dict:
    """A new Label Studio user with a password, a session, and their legacy token."""
    email, password = f"desk-{uuid.uuid4().hex[:8]}@example.org", "a-long-password-1"
    user = labelstudio_server.create_user(email, password, first_name="Dewi")
    session = labelstudio_server.login(email, password)
    token = session.get("/api/current-user/token").json()["token"]
    return {"id": user.id, "email": email, "password": password, "session": session, "token": token}


def _reads(labelstudio, person) -> int:
    """The status of whoami read with the person's legacy token (projects must agree)."""
    headers = {"Authorization": f"Token {person['token']}"}
    status = httpx.get(labelstudio.url + WHOAMI, headers=headers).status_code
    assert httpx.get(labelstudio.url + "/api/projects/", headers=headers).status_code == status
    return status


def _owner_pats(labelstudio) -> list:
    return httpx.get(labelstudio.url + "/api/token/", headers=labelstudio.headers()).json()


def _local_settings(labelstudio_server, tmp_path) -> Settings:
    return Settings(
        config_dir=tmp_path, database_url="sqlite://", exports_dir=tmp_path, seeds_dir=tmp_path,
        label_studio_port=labelstudio_server.port, label_studio_data_dir=labelstudio_server.data_dir,
    )


def test_deactivated_user_reads_nothing_until_reactivated(labelstudio_server, labelstudio, tmp_path):
    person = _person(labelstudio_server, labelstudio)
    settings = _local_settings(labelstudio_server, tmp_path)  # the local server: admin login
    assert _reads(labelstudio, person) == 200
    assert person["session"].get(WHOAMI).status_code == 200

    set_login_active(settings, person["id"], False)
    assert _reads(labelstudio, person) == 401
    assert person["session"].get(WHOAMI).status_code in (401, 302, 403)
    with pytest.raises(LoginRefused):
        labelstudio_server.login(person["email"], person["password"])
    set_login_active(settings, person["id"], False)  # again: nothing to do, no error
    assert _reads(labelstudio, person) == 401

    set_login_active(settings, person["id"], True)
    set_login_active(settings, person["id"], True)
    assert _reads(labelstudio, person) == 200
    labelstudio_server.login(person["email"], person["password"]).close()
    user = httpx.get(f"{labelstudio.url}/api/users/{person['id']}/", headers=labelstudio.headers()).json()
    assert (user["email"], user["first_name"]) == (person["email"], "Dewi")  # the form was copied back
    person["session"].close()


def test_a_legacy_token_alone_uses_a_personal_access_token_it_revokes(labelstudio_server, labelstudio):
    person = _person(labelstudio_server, labelstudio)
    client = LabelStudioClient(labelstudio.url, labelstudio.token)
    before = _owner_pats(labelstudio)
    client.set_user_active(person["id"], False)
    assert _reads(labelstudio, person) == 401
    client.set_user_active(person["id"], False)
    client.set_user_active(person["id"], True)
    assert _reads(labelstudio, person) == 200
    assert _owner_pats(labelstudio) == before  # each temporary token was blacklisted
    person["session"].close()


def test_the_owners_personal_access_token_is_used_directly(labelstudio_server, labelstudio):
    person = _person(labelstudio_server, labelstudio)
    credentials = labelstudio_server.credentials()
    owner = labelstudio_server.login(credentials.email, credentials.password)
    pat = owner.post("/api/token/").json()["token"]
    try:
        client = LabelStudioClient(labelstudio.url, pat)
        client.set_user_active(person["id"], False)
        assert _reads(labelstudio, person) == 401
        # the legacy token cannot mint a second personal access token: it says what to do
        with pytest.raises(LabelStudioError, match="personal access token"):
            LabelStudioClient(labelstudio.url, labelstudio.token).set_user_active(person["id"], True)
        client.set_user_active(person["id"], True)
        assert _reads(labelstudio, person) == 200
    finally:
        httpx.post(labelstudio.url + "/api/token/blacklist/", json={"refresh": pat})
        owner.close()
        person["session"].close()
    assert _owner_pats(labelstudio) == []


def test_a_key_that_is_not_a_superusers_is_refused(labelstudio_server, labelstudio):
    person, other = _person(labelstudio_server, labelstudio), _person(labelstudio_server, labelstudio)
    with pytest.raises(LabelStudioError, match="superuser"):
        LabelStudioClient(labelstudio.url, other["token"]).set_user_active(person["id"], False)
    assert _reads(labelstudio, person) == 200
    assert httpx.get(labelstudio.url + "/api/token/", headers={"Authorization": f"Token {other['token']}"}).json() == []
    for who in (person, other):
        who["session"].close()


def test_the_keys_own_user_and_unknown_users_are_refused(labelstudio):
    client = LabelStudioClient(labelstudio.url, labelstudio.token)
    with pytest.raises(LabelStudioError, match="own user"):
        client.set_user_active(client.whoami()["id"], False)
    with pytest.raises(LabelStudioError, match="no user 987654"):
        client.set_user_active(987654, True)
    assert client.whoami()["email"] == labelstudio.admin_email

"""LocalLabelStudio against a real Label Studio server."""

from __future__ import annotations

import os
import re
import socket
import stat
from pathlib import Path

import httpx
import pytest
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotator.errors import (
    AlreadyRunning,
    InputError,
    LabelStudioUnavailable,
    LoginRefused,
    PortBusy,
    UserRejected,
)
from annotator.labelstudio import server as server_module
from annotator.labelstudio.server import (
    CREDENTIALS_FILE,
    PID_FILE,
    LocalLabelStudio,
    clone_template,
    free_port,
    port_in_use,
)


def test_package_exports_what_it_declares():
    import annotator.labelstudio as package

    for module in (package, server_module):
        assert all(hasattr(module, name) for name in module.__all__)


def test_api_answers_with_the_token(labelstudio):
    response = httpx.get(f"{labelstudio.url}/api/version", headers=labelstudio.headers())
    assert response.status_code == 200
    assert response.json()["release"] == labelstudio.version
    assert labelstudio.version.startswith("1.23.")
    whoami = httpx.get(f"{labelstudio.url}/api/current-user/whoami", headers=labelstudio.headers())
    assert whoami.json()["email"] == labelstudio.admin_email


def test_server_listens_on_loopback_only(labelstudio):
    assert labelstudio.url.startswith("http://127.0.0.1:")


def test_sdk_accepts_the_legacy_token(labelstudio):
    client = LabelStudio(base_url=labelstudio.url, api_key=labelstudio.token)
    assert client.users.whoami().email == labelstudio.admin_email


def test_wrong_token_is_rejected(labelstudio):
    client = LabelStudio(base_url=labelstudio.url, api_key="0" * 40)
    with pytest.raises(ApiError) as caught:
        client.users.whoami()
    assert caught.value.status_code == 401


def test_up_twice_is_idempotent(labelstudio_server, labelstudio):
    again = labelstudio_server.up()
    assert (again.pid, again.url, again.token) == (
        labelstudio.pid,
        labelstudio.url,
        labelstudio.token,
    )


def test_credentials_file_is_private(labelstudio_server):
    mode = stat.S_IMODE((labelstudio_server.data_dir / CREDENTIALS_FILE).stat().st_mode)
    assert mode == 0o600


def test_status_without_a_server_starts_nothing(tmp_path):
    port = free_port()
    server = LocalLabelStudio(tmp_path / "nothing", port=port)
    status = server.status()
    assert not status.running
    assert (status.pid, status.version, status.token) == (None, None, None)
    assert status.url == f"http://127.0.0.1:{port}"
    assert not (tmp_path / "nothing").exists()
    assert not port_in_use("127.0.0.1", port)


def test_down_without_a_server_is_a_no_op(tmp_path):
    assert LocalLabelStudio(tmp_path / "nothing", port=free_port()).down() is False


def test_busy_port_is_refused_before_starting(tmp_path, labelstudio_template):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = LocalLabelStudio(tmp_path / "ls", port=port, template=labelstudio_template)
        with pytest.raises(PortBusy) as caught:
            server.up()
    assert f"port {port}" in str(caught.value)
    assert caught.value.status == 503
    assert caught.value.kind == "label_studio_port_busy"
    assert not (tmp_path / "ls" / PID_FILE).exists()


def test_port_of_another_label_studio_is_busy(tmp_path, labelstudio):
    port = int(labelstudio.url.rsplit(":", 1)[1])
    with pytest.raises(PortBusy, match=r"another Label Studio \(1\.23\.\d+\)"):
        LocalLabelStudio(tmp_path / "other", port=port).up()


def test_data_folder_served_on_another_port_is_refused(labelstudio_server):
    elsewhere = LocalLabelStudio(labelstudio_server.data_dir, port=free_port())
    with pytest.raises(AlreadyRunning, match=labelstudio_server.url):
        elsewhere.up()


def test_running_template_is_not_copied(labelstudio_server, tmp_path):
    with pytest.raises(AlreadyRunning, match="stop it before copying"):
        clone_template(labelstudio_server.data_dir, tmp_path / "copy")


def test_a_server_that_exits_points_to_its_log(tmp_path):
    fake = tmp_path / "label-studio"
    fake.write_text("#!/bin/sh\necho 'ImportError: no Django here'\nexit 3\n")
    fake.chmod(0o755)
    server = LocalLabelStudio(tmp_path / "ls", port=free_port(), executable=fake)
    with pytest.raises(LabelStudioUnavailable) as caught:
        server.up(timeout=30)
    assert str(server.log_path) in caught.value.message
    assert "exit code 3" in caught.value.message
    assert "ImportError: no Django here" in caught.value.errors["log"]
    assert not server.status().running


def test_missing_install_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv(server_module.EXECUTABLE_ENV, str(tmp_path / "absent"))
    monkeypatch.setattr(server_module, "REPO_ROOT", tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LabelStudioUnavailable, match="pip install label-studio=="):
        server_module.find_executable()


def _browser_login(url: str, email: str, password: str) -> httpx.Client:
    """Log in through the form, as a browser does; the caller closes the client."""
    browser = httpx.Client(base_url=url)
    page = browser.get("/user/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    browser.post(
        "/user/login/",
        data={"email": email, "password": password, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{url}/user/login/"},
    )
    return browser


def test_created_user_logs_in_with_a_password(labelstudio_server, labelstudio):
    user = labelstudio_server.create_user(
        "ana@example.org", "ana-password-1", first_name="Ana", last_name="Putri"
    )
    browser = _browser_login(labelstudio.url, "ana@example.org", "ana-password-1")
    try:
        me = browser.get("/api/current-user/whoami").json()
        assert (me["id"], me["email"], me["first_name"]) == (user.id, "ana@example.org", "Ana")
        assert browser.get("/projects/", follow_redirects=False).status_code == 200
    finally:
        browser.close()

    refused = _browser_login(labelstudio.url, "ana@example.org", "wrong-password")
    try:
        assert refused.get("/api/current-user/whoami").status_code == 401
    finally:
        refused.close()


def test_nobody_signs_up_without_the_invite_link(labelstudio_server, labelstudio):
    """Logins come only from the desk: the open sign-up page is closed."""
    with httpx.Client(base_url=labelstudio.url, timeout=30) as browser:
        page = browser.get("/user/signup/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = browser.post(
            "/user/signup/",
            data={"email": "intruder@example.org", "password": "intruder-password-1", "csrfmiddlewaretoken": token},
            headers={"Referer": f"{labelstudio.url}/user/signup/"},
        )
    assert answer.status_code == 403
    emails = [u["email"] for u in httpx.get(f"{labelstudio.url}/api/users/", headers=labelstudio.headers()).json()]
    assert "intruder@example.org" not in emails
    # the desk's own way still works
    labelstudio_server.create_user("invited@example.org", "invited-password-1").id


def test_create_user_again_resets_the_password(labelstudio_server, labelstudio):
    first = labelstudio_server.create_user("budi@example.org", "budi-password-1")
    again = labelstudio_server.create_user("budi@example.org", "budi-password-2")
    assert again == first
    labelstudio_server.login("budi@example.org", "budi-password-2").close()
    with pytest.raises(LoginRefused, match="don't match"):
        labelstudio_server.login("budi@example.org", "budi-password-1")


def test_a_short_password_is_rejected(labelstudio_server):
    with pytest.raises(UserRejected, match="8.128 characters") as caught:
        labelstudio_server.create_user("citra@example.org", "short")
    assert isinstance(caught.value, InputError) and caught.value.status == 400


def test_down_leaves_no_process(fresh_labelstudio):
    status = fresh_labelstudio.up()
    port = int(status.url.rsplit(":", 1)[1])
    assert Path(f"/proc/{status.pid}").exists()

    assert fresh_labelstudio.down() is True

    assert not Path(f"/proc/{status.pid}").exists()  # gone, and reaped
    with pytest.raises(ProcessLookupError):
        os.killpg(status.pid, 0)  # nothing left in its process group either
    assert not (fresh_labelstudio.data_dir / PID_FILE).exists()
    assert not port_in_use("127.0.0.1", port)
    assert not fresh_labelstudio.status().running
    assert fresh_labelstudio.down() is False


def test_restart_keeps_data_and_credentials(fresh_labelstudio):
    first = fresh_labelstudio.up()
    user = fresh_labelstudio.create_user("dewi@example.org", "dewi-password-1")
    fresh_labelstudio.down()

    second = fresh_labelstudio.up()

    assert second.pid != first.pid and second.token == first.token
    fresh_labelstudio.login("dewi@example.org", "dewi-password-1").close()
    users = httpx.get(f"{second.url}/api/users/", headers=second.headers()).json()
    assert user.id in [u["id"] for u in users]

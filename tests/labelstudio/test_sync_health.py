"""The webhook stays on, and health tells the truth about Label Studio.

Label Studio 1.20+ switches a webhook off after repeated failed deliveries; the
background sync looks at the hook after every round and switches it on again. A
failing round is kept on the project, so `GET /api/health` (and `annotator status`)
say so instead of "ok".  Against the session's real Label Studio, and a port where
nothing listens for the failure.
"""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from annotator import create_app
from annotator.db import get_session
from annotator.errors import LabelStudioUnavailable
from annotator.intake import sync_once
from annotator.labelstudio.client import LabelStudioClient
from annotator.labelstudio.push import push
from annotator.models import AuditEvent, LabelStudioProject


def _hook(app, project_id: int) -> dict:
    settings = app.extensions["annotator.settings"]
    return LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key).webhooks(project_id)[0]


def test_a_webhook_switched_off_is_switched_on_again_and_health_says_so(seeded_app, anonymous_of):
    settings = seeded_app.extensions["annotator.settings"]
    with seeded_app.app_context():
        report = push(get_session(), LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key), settings)
    sync_once(seeded_app)
    health = anonymous_of(seeded_app).get("/api/health").get_json()
    assert (health["status"], health["label_studio"]["webhook"], health["label_studio"]["reachable"]) == ("ok", "active", True)
    assert health["label_studio"]["last_sync_age_seconds"] < 60

    hook = _hook(seeded_app, report.project_id)
    off = httpx.patch(f"{settings.label_studio_url}/api/webhooks/{hook['id']}/", json={"is_active": False},
                      headers={"Authorization": f"Token {settings.label_studio_api_key}"})
    assert off.status_code == 200 and _hook(seeded_app, report.project_id)["is_active"] is False
    sync_once(seeded_app)
    assert _hook(seeded_app, report.project_id)["is_active"] is True
    health = anonymous_of(seeded_app).get("/api/health").get_json()
    assert (health["status"], health["label_studio"]["webhook"]) == ("degraded", "re-enabled")
    assert any("switched it off" in p for p in health["problems"])
    with seeded_app.app_context():
        assert get_session().scalar(sa.select(AuditEvent.action).where(AuditEvent.action.like("labelstudio.webhook%"))) == (
            "labelstudio.webhook_re_enabled"
        )
    sync_once(seeded_app)  # the next round finds it on
    assert anonymous_of(seeded_app).get("/api/health").get_json()["status"] == "ok"


@pytest.fixture
def anonymous_of():
    return lambda app: app.test_client()


@pytest.fixture
def unreachable_app(database_url, tmp_path):
    app = create_app(
        {
            "database_url": database_url,
            "exports_dir": tmp_path / "exports",
            "label_studio_url": "http://127.0.0.1:9",  # nothing listens here
            "label_studio_api_key": "a-key",
        }
    )
    with app.app_context():
        session = get_session()
        session.add(LabelStudioProject(project_key="claims", ls_project_id=1, base_url="http://127.0.0.1:9",
                                       title="t", config_hash=""))
        session.commit()
    yield app
    app.extensions["annotator.engine"].dispose()


def test_a_failing_background_sync_makes_health_degraded_and_status_tells_why(unreachable_app, settings_env, cli):
    with pytest.raises(LabelStudioUnavailable):
        sync_once(unreachable_app)
    health = unreachable_app.test_client().get("/api/health").get_json()
    assert (health["status"], health["label_studio"]["reachable"]) == ("degraded", False)
    assert any("background sync failed" in p for p in health["problems"])
    assert "127.0.0.1:9" not in str(health), "health names no internals"
    status = cli("status")
    assert "the background sync failed" in status.output and "127.0.0.1:9" in status.output

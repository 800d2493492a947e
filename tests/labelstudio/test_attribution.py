"""A judgment is its author's only: one annotator editing another's annotation in Label
Studio (its data manager lets any member do so; Label Studio keeps ``completed_by`` and
sets ``updated_by``) changes nothing that counts, and the edit is visible as set aside.

Against the session's real Label Studio: two annotators with their own logins, the
edit made with the second one's session through Label Studio's API.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from annotator.db import get_session
from annotator.intake import gather_sync
from annotator.labelstudio.client import LabelStudioClient
from annotator.labelstudio.push import push
from annotator.models import AuditEvent, Judgment, JudgmentState, LabelStudioTask

PASSWORD = "attribution-test-password"


@pytest.fixture(scope="module")
def two_annotators(labelstudio_server):
    """Two people, each logged in to Label Studio with their own session."""
    people = []
    for name in ("dewi", "eka"):
        email = f"{name}-{uuid.uuid4().hex[:6]}@example.org"
        user = labelstudio_server.create_user(email, PASSWORD, first_name=name)
        session = labelstudio_server.login(email, PASSWORD)
        session.headers["X-CSRFToken"] = session.cookies.get("csrftoken", "")
        session.headers["Referer"] = str(session.base_url)
        people.append((user, session))
    yield people
    for _, session in people:
        session.close()


def _verdicts(task: LabelStudioTask, verdict: str) -> list[dict]:
    return [
        {"id": f"v{i}", "from_name": f"verdict_{i}", "to_name": "text", "type": "choices", "value": {"choices": [verdict]}}
        for i in range(len(task.mention_ids))
    ]


def _judgments(session, annotation_id: int) -> list[tuple[str | None, JudgmentState]]:
    session.expire_all()
    rows = session.scalars(sa.select(Judgment).where(Judgment.ls_annotation_id == annotation_id).order_by(Judgment.claim_index))
    return [(j.verdict.value if j.verdict else None, j.state) for j in rows]


def _sync(app, session, project):
    report = gather_sync(session, app.extensions["annotator.settings"], app.extensions["annotator.rules"], project)
    session.commit()
    return report


def test_another_persons_edit_is_set_aside_and_the_authors_version_stands(seeded_app, two_annotators):
    (dewi, dewi_web), (eka, eka_web) = two_annotators
    settings = seeded_app.extensions["annotator.settings"]
    with seeded_app.app_context():
        session = get_session()
        push(session, LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key), settings)
        task = session.scalar(sa.select(LabelStudioTask).order_by(LabelStudioTask.ls_task_id))
        project = task.project
        n = len(task.mention_ids)

        made = dewi_web.post(f"/api/tasks/{task.ls_task_id}/annotations/", json={"result": _verdicts(task, "confirmed")})
        assert made.status_code == 201, made.text
        annotation = made.json()
        assert (annotation["completed_by"], annotation["updated_by"]) == (dewi.id, dewi.id)
        _sync(seeded_app, session, project)
        assert _judgments(session, annotation["id"]) == [("confirmed", JudgmentState.ACTIVE)] * n

        # Eka opens the task in the data manager on Dewi's annotation and presses Update
        edited = eka_web.patch(f"/api/annotations/{annotation['id']}/", json={"result": _verdicts(task, "denied")})
        assert edited.status_code == 200, edited.text
        copy = LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key).annotation(annotation["id"])
        assert (copy["completed_by"], copy["updated_by"]) == (dewi.id, eka.id)

        report = _sync(seeded_app, session, project)
        assert report.set_aside == [annotation["id"]]
        assert any("not by its author" in p for p in report.problems)
        assert _judgments(session, annotation["id"]) == [("confirmed", JudgmentState.ACTIVE)] * n, "Dewi's version stands"
        event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "judgments.set_aside"))
        assert event is not None and event.after["annotations"] == [annotation["id"]]

        # Dewi changes her own annotation again: that is hers, and counts
        own = dewi_web.patch(f"/api/annotations/{annotation['id']}/", json={"result": _verdicts(task, "disputed")})
        assert own.status_code == 200
        _sync(seeded_app, session, project)
        assert _judgments(session, annotation["id"]) == [("disputed", JudgmentState.ACTIVE)] * n


def test_an_annotation_first_seen_edited_by_someone_else_is_kept_rejected(seeded_app, two_annotators):
    (dewi, dewi_web), (eka, eka_web) = two_annotators
    settings = seeded_app.extensions["annotator.settings"]
    with seeded_app.app_context():
        session = get_session()
        push(session, LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key), settings)
        task = session.scalar(sa.select(LabelStudioTask).order_by(LabelStudioTask.ls_task_id))
        made = eka_web.post(f"/api/tasks/{task.ls_task_id}/annotations/", json={"result": _verdicts(task, "confirmed")})
        assert made.status_code == 201
        assert dewi_web.patch(f"/api/annotations/{made.json()['id']}/", json={"result": _verdicts(task, "denied")}).status_code == 200
        report = _sync(seeded_app, session, task.project)
        assert report.set_aside == [made.json()["id"]]
        rows = session.scalars(sa.select(Judgment).where(Judgment.ls_annotation_id == made.json()["id"])).all()
        assert rows and all(j.state is JudgmentState.REJECTED and j.mention_id is None for j in rows)
        assert "not by its author" in rows[0].reject_reason

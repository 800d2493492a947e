"""Push against a real Label Studio: project, schema, tasks, predictions, resumption, faults."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa

from annotator.db import get_session
from annotator.errors import LabelStudioError, LabelStudioUnavailable
from annotator.labelstudio.client import LabelStudioClient
from annotator.labelstudio.connection import WEBHOOK_SECRET_HEADER
from annotator.labelstudio.push import push
from annotator.labelstudio.schema import label_config
from annotator.rules.project import load_project_config
from annotator.models import Claim, LabelStudioProject, LabelStudioTask, Mention, MentionOrigin, MentionStatus


def settings_of(app):
    return app.extensions["annotator.settings"]


def client_for(app, **options) -> LabelStudioClient:
    settings = settings_of(app)
    return LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key, **options)


def remote_tasks(app, project_id: int) -> list[dict]:
    return list(client_for(app).iter_tasks(project_id))


def test_generated_config_is_accepted_and_parsed_by_the_server(seeded_app):
    with seeded_app.app_context():
        report = push(get_session(), client_for(seeded_app), settings_of(seeded_app))
        project = client_for(seeded_app).project(report.project_id)
    config = load_project_config(settings_of(seeded_app).rule_file("labelstudio.yaml"))
    assert project["label_config"] == label_config(config)
    parsed = project["parsed_label_config"]
    assert parsed["verdict_{{idx}}"]["type"] == "Choices"
    assert parsed["verdict_{{idx}}"]["labels"] == ["confirmed", "disputed", "denied"]
    assert parsed["evidence_{{idx}}"]["type"] == "Labels"
    assert {"confidence_{{idx}}", "note_{{idx}}"} <= set(parsed)
    assert project["maximum_annotations"] == config.overlap == 3


def test_server_rejects_a_broken_config(seeded_app):
    client = client_for(seeded_app)
    with pytest.raises(LabelStudioError, match="answered 400"):
        client.create_project(title="broken", label_config='<View><Choices name="v" toName="nope"/></View>')


def test_push_imports_each_article_once_with_predictions(seeded_app):
    with seeded_app.app_context():
        session = get_session()
        first = push(session, client_for(seeded_app), settings_of(seeded_app))
        assert (first.created_project, first.tasks_created) == (True, 5)
        again = push(session, client_for(seeded_app), settings_of(seeded_app))
        assert (again.created_project, again.tasks_created, again.tasks_unchanged) == (False, 0, 5)
        stored = {t.ls_task_id: t for t in session.scalars(sa.select(LabelStudioTask))}
        catalogue_mentions = session.scalar(
            sa.select(sa.func.count(Mention.id)).where(Mention.origin == MentionOrigin.CATALOGUE)
        )
    tasks = remote_tasks(seeded_app, first.project_id)
    assert sorted(t["id"] for t in tasks) == sorted(stored)
    assert sum(len(t["data"]["claims"]) for t in tasks) == catalogue_mentions
    for task in tasks:
        claims = task["data"]["claims"]
        assert [c["mention_id"] for c in claims] == stored[task["id"]].mention_ids
        regions = task["predictions"][0]["result"]
        assert regions, "located spans are pre-highlighted"
        for region in regions:
            value = region["value"]
            assert task["data"]["text"][value["start"] : value["end"]] == value["text"]
            index = int(region["from_name"].rsplit("_", 1)[1])
            assert index < len(claims)


def test_a_new_claim_is_appended_and_existing_annotations_survive(seeded_app, labelstudio_server):
    with seeded_app.app_context():
        session = get_session()
        report = push(session, client_for(seeded_app), settings_of(seeded_app))
        task = session.scalars(sa.select(LabelStudioTask).order_by(LabelStudioTask.id)).first()
        before = list(task.mention_ids)
        user = labelstudio_server.create_user("push-test-annotator@example.org", "a-long-password")
        annotation = client_for(seeded_app).create_annotation(
            task.ls_task_id,
            result=[{"id": "v0", "from_name": "verdict_0", "to_name": "text", "type": "choices",
                     "value": {"choices": ["confirmed"]}}],
            completed_by=user.id,
        )
        session.add(Claim(id="new-claim", text="Klaim baru.", story="test"))
        body = task.revision.body
        session.add(
            Mention(
                claim_id="new-claim",
                revision_id=task.revision_id,
                origin=MentionOrigin.ANNOTATOR,
                status=MentionStatus.ACCEPTED,
                dedup_key="new-claim",
                spans=[[0, 20]],
                quotes=[body[:20]],
            )
        )
        session.commit()
        extended = push(session, client_for(seeded_app), settings_of(seeded_app))
        assert (extended.tasks_extended, extended.tasks_created) == (1, 0)
        session.refresh(task)
        assert task.mention_ids[: len(before)] == before and len(task.mention_ids) == len(before) + 1
    remote = next(t for t in remote_tasks(seeded_app, report.project_id) if t["id"] == task.ls_task_id)
    assert remote["data"]["claims"][-1]["id"] == "new-claim"
    assert [c["mention_id"] for c in remote["data"]["claims"]] == task.mention_ids
    kept = next(a for a in remote["annotations"] if a["id"] == annotation["id"])
    assert kept["result"][0]["value"] == {"choices": ["confirmed"]}
    new_predictions = [r for p in remote["predictions"] for r in p["result"] if r["from_name"] == f"evidence_{len(before)}"]
    assert new_predictions and new_predictions[0]["value"]["start"] == 0


def test_push_after_a_crash_between_import_and_storing_ids_duplicates_nothing(seeded_app):
    with seeded_app.app_context():
        session = get_session()
        report = push(session, client_for(seeded_app), settings_of(seeded_app))
        # As if the previous push died after Label Studio imported the tasks but
        # before their ids were committed to the store.
        session.execute(sa.delete(LabelStudioTask))
        session.commit()
        resumed = push(session, client_for(seeded_app), settings_of(seeded_app))
        assert (resumed.tasks_recovered, resumed.tasks_created) == (5, 0)
        assert session.scalar(sa.select(sa.func.count(LabelStudioTask.id))) == 5
    assert len(remote_tasks(seeded_app, report.project_id)) == 5


def test_response_lost_after_import_is_recovered_on_the_next_push(seeded_app):
    """A fake transport stands in for a network fault Label Studio cannot produce on demand:
    the import reaches the real server, but its answer never comes back."""
    real = httpx.HTTPTransport()

    def lose_import_answers(request: httpx.Request) -> httpx.Response:
        response = real.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/import"):
            response.read()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response

    with seeded_app.app_context():
        session = get_session()
        faulty = client_for(seeded_app, transport=httpx.MockTransport(lose_import_answers), max_retries=0)
        with pytest.raises(LabelStudioUnavailable, match="did not answer in time"):
            push(session, faulty, settings_of(seeded_app))
        assert session.scalar(sa.select(sa.func.count(LabelStudioTask.id))) == 0
        resumed = push(session, client_for(seeded_app), settings_of(seeded_app))
        assert (resumed.tasks_recovered, resumed.tasks_created) == (5, 0)
    assert len(remote_tasks(seeded_app, resumed.project_id)) == 5


def test_refused_connections_are_retried_with_backoff(seeded_app):
    """Fake transport: the first two connection attempts are refused, then the real server answers."""
    real = httpx.HTTPTransport()
    attempts = {"refused": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        if attempts["refused"] < 2:
            attempts["refused"] += 1
            raise httpx.ConnectError("connection refused", request=request)
        return real.handle_request(request)

    with seeded_app.app_context():
        report = push(get_session(), client_for(seeded_app, transport=httpx.MockTransport(flaky)), settings_of(seeded_app))
    assert attempts["refused"] == 2 and report.tasks_created == 5


def test_server_down_is_a_clear_error_and_stores_nothing(seeded_app, fresh_labelstudio):
    status = fresh_labelstudio.up()
    fresh_labelstudio.down()
    with seeded_app.app_context():
        session = get_session()
        with pytest.raises(LabelStudioUnavailable, match=f"cannot reach Label Studio at {status.url}"):
            push(session, LabelStudioClient(status.url, status.token, max_retries=1), settings_of(seeded_app))
        assert session.scalar(sa.select(sa.func.count(LabelStudioProject.id))) == 0


def test_wrong_token_and_wrong_url_are_named(seeded_app):
    settings = settings_of(seeded_app)
    with seeded_app.app_context():
        with pytest.raises(LabelStudioError, match="refused the API key") as info:
            push(get_session(), LabelStudioClient(settings.label_studio_url, "not-a-token"), settings)
        assert "ANNOTATOR_LABEL_STUDIO_API_KEY" in str(info.value)
        with pytest.raises(LabelStudioUnavailable, match="ANNOTATOR_LABEL_STUDIO_URL"):
            push(get_session(), LabelStudioClient("http://127.0.0.1:9", "x", max_retries=0), settings)


class Counting:
    """The real client, counting the calls made through it."""

    def __init__(self, client: LabelStudioClient):
        self.client = client
        self.calls: dict[str, int] = {}

    def __getattr__(self, name):
        method = getattr(self.client, name)
        if not callable(method):
            return method

        def counted(*args, **kwargs):
            self.calls[name] = self.calls.get(name, 0) + 1
            return method(*args, **kwargs)

        return counted


def test_the_webhook_is_updated_only_when_it_differs(seeded_app):
    settings = settings_of(seeded_app)
    with seeded_app.app_context():
        session = get_session()
        first = push(session, client_for(seeded_app), settings)
        hook_id = session.scalar(sa.select(LabelStudioProject.webhook_id))
        quiet = Counting(client_for(seeded_app))
        push(session, quiet, settings)
        client = client_for(seeded_app)
        real_update = client._sdk.webhooks.update
        updates = []
        client._sdk.webhooks.update = lambda **fields: updates.append(fields) or real_update(**fields)
        push(session, client, settings)
        assert updates == [], "an unchanged webhook is left alone"
        rotated = dataclasses.replace(settings, webhook_secret="a-rotated-webhook-secret")
        push(session, client, rotated)
        assert len(updates) == 1
        assert session.scalar(sa.select(LabelStudioProject.webhook_id)) == hook_id
    hooks = [h for h in client_for(seeded_app)._sdk.webhooks.list(project=str(first.project_id))]
    assert [(h.id, h.headers) for h in hooks] == [(hook_id, {WEBHOOK_SECRET_HEADER: "a-rotated-webhook-secret"})]
    assert "create_webhook" not in quiet.calls and "create_project" not in quiet.calls


def test_projects_are_listed_page_by_page(seeded_app):
    client = client_for(seeded_app)
    run = uuid.uuid4().hex[:8]  # the server outlives this test
    for n in range(3):
        client.create_project(title=f"listing {run} {n}", description="listed page by page")
    every = {p.id for p in client._sdk.projects.list()}
    listed = client.projects(page_size=2)
    assert len(listed) == len(every) and {p["id"] for p in listed} == every
    assert all(set(p) == {"id", "title", "description"} for p in listed)
    assert [p["title"] for p in client.projects(title=f"LISTING {run} 1", page_size=2)] == [f"listing {run} 1"]


def test_a_project_created_just_before_a_crash_is_adopted_not_made_twice(seeded_app):
    with seeded_app.app_context():
        session = get_session()
        first = push(session, client_for(seeded_app), settings_of(seeded_app))
        # As if the push had died after Label Studio made the project (and imported
        # its tasks) but before the store recorded any of it.
        session.execute(sa.delete(LabelStudioTask))
        session.execute(sa.delete(LabelStudioProject))
        session.commit()
        again = push(session, client_for(seeded_app), settings_of(seeded_app))
        assert (again.project_id, again.created_project) == (first.project_id, False)
        assert (again.tasks_recovered, again.tasks_created) == (5, 0)
    assert len(remote_tasks(seeded_app, first.project_id)) == 5


def test_a_pushed_claim_cannot_be_deleted(seeded_app, desk):
    with seeded_app.app_context():
        push(get_session(), client_for(seeded_app), settings_of(seeded_app))
        pushed = get_session().scalar(sa.select(LabelStudioTask.mention_ids).limit(1))[0]
        claim_id = get_session().get(Mention, pushed).claim_id
    _, coordinator = desk("coordinator")
    answer = seeded_app.test_client().delete(f"/api/claims/{claim_id}", headers=coordinator)
    assert answer.status_code == 409
    assert "renumber" in answer.get_json()["message"]
    with seeded_app.app_context():
        assert get_session().get(Claim, claim_id) is not None and get_session().get(Mention, pushed) is not None


def test_four_pushes_at_once_hold_each_task_once(seeded_app):
    """Two threads of this process and two `annotator push` processes, started together,
    serialize on the store's lock: Label Studio holds every task once."""
    settings = settings_of(seeded_app)
    env = os.environ | {
        "ANNOTATOR_DATABASE_URL": settings.database_url,
        "ANNOTATOR_LABEL_STUDIO_URL": settings.label_studio_url,
        "ANNOTATOR_LABEL_STUDIO_API_KEY": settings.label_studio_api_key,
        "ANNOTATOR_LABEL_STUDIO_PROJECT": settings.label_studio_project,
        "ANNOTATOR_WEBHOOK_SECRET": settings.webhook_secret,
        "ANNOTATOR_EXPORTS_DIR": str(settings.exports_dir),
    }
    processes = [
        subprocess.Popen([sys.executable, "-m", "annotator.cli", "push"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    ]
    reports, errors = [], []

    def push_in_a_thread():
        try:
            with seeded_app.app_context():
                reports.append(push(get_session(), client_for(seeded_app), settings))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    time.sleep(1.0)  # the processes are importing: start the threads while they push
    threads = [threading.Thread(target=push_in_a_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert errors == [] and [p.returncode for p in processes] == [0, 0], (errors, outputs)
    assert sum(r.tasks_created for r in reports) + sum(
        int(re.search(r"(\d+) task\(s\) imported", out).group(1)) for out in outputs
    ) == 5, (reports, outputs)
    with seeded_app.app_context():
        project = get_session().scalar(sa.select(LabelStudioProject))
        stored = get_session().scalars(sa.select(LabelStudioTask.ls_task_id)).all()
    remote = remote_tasks(seeded_app, project.ls_project_id)
    assert len(remote) == 5 and sorted(t["id"] for t in remote) == sorted(stored)

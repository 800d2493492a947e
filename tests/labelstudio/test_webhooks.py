"""The webhook endpoint: Label Studio delivering over real HTTP, and every refusal storing nothing."""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
import time

import httpx
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from annotator import create_app
from annotator.api.webhooks import GATHERED_ACTIONS, MAX_BODY_BYTES
from annotator.db import get_session
from annotator.labelstudio.client import LabelStudioClient
from annotator.labelstudio.connection import WEBHOOK_PATH, WEBHOOK_SECRET_HEADER
from annotator.labelstudio.push import WEBHOOK_ACTIONS, push
from annotator.labelstudio.server import free_port
from annotator.models import (
    Annotator,
    Article,
    ArticleRevision,
    Claim,
    Judgment,
    JudgmentRevision,
    JudgmentState,
    LabelStudioProject,
    LabelStudioTask,
    Mention,
    MentionOrigin,
    MentionStatus,
)

SECRET = "webhook-test-secret"
TEXT = "KYIV - Korea Utara mengirim 3.000 tentara ke Rusia. Pyongyang membantah laporan itu."


# -- Label Studio delivering to the running service ------------------------------------------


@pytest.fixture(scope="module")
def people(labelstudio_server):
    return [
        labelstudio_server.create_user(email, "webhook-test-password")
        for email in ("hook-ann@example.org", "hook-budi@example.org")
    ]


@pytest.fixture
def served(seeded_app):
    """The service listening on a free loopback port, as `annotator serve` would."""
    server = make_server("127.0.0.1", free_port(), seeded_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="webhook-test-service", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def wait_for(app, predicate, timeout: float = 10.0):
    """Poll the store until ``predicate(judgments by (annotation id, claim index))`` holds."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            session = get_session()
            rows = {(j.ls_annotation_id, j.claim_index): j for j in session.scalars(sa.select(Judgment))}
            if predicate(rows):
                for row in rows.values():
                    _ = [h.state for h in row.history], row.annotator.email
                return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"the webhook's judgments did not arrive in {timeout} s: {sorted(rows)}")
        time.sleep(0.05)


def test_label_studio_delivers_created_updated_skipped_and_deleted_annotations(seeded_app, served, people):
    ann, budi = people
    settings = seeded_app.extensions["annotator.settings"]
    client = LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key)
    with seeded_app.app_context():
        session = get_session()
        push(session, client, dataclasses.replace(settings, public_url=served))
        task = session.scalars(sa.select(LabelStudioTask).order_by(LabelStudioTask.ls_task_id)).first()
        n, mentions = len(task.mention_ids), list(task.mention_ids)
        assert session.scalar(sa.select(sa.func.count(Annotator.id))) == 0

    hooks = httpx.get(
        f"{settings.label_studio_url}/api/webhooks/", headers={"Authorization": f"Token {settings.label_studio_api_key}"}
    ).json()
    assert any(h["url"] == served + WEBHOOK_PATH for h in hooks)

    result = [
        {"id": f"v{i}", "from_name": f"verdict_{i}", "to_name": "text", "type": "choices", "value": {"choices": ["confirmed"]}}
        for i in range(n)
    ]
    created = client.create_annotation(task.ls_task_id, result=result, completed_by=ann.id)
    rows = wait_for(seeded_app, lambda r: len(r) == n)
    assert [(rows[created["id"], i].verdict.value, rows[created["id"], i].mention_id) for i in range(n)] == [
        ("confirmed", m) for m in mentions
    ]
    assert rows[created["id"], 0].annotator.email == ann.email, "the new user was looked up in Label Studio"

    result[0]["value"] = {"choices": ["denied"]}
    with httpx.Client(base_url=settings.label_studio_url, headers={"Authorization": f"Token {settings.label_studio_api_key}"}) as api:
        assert api.patch(f"/api/annotations/{created['id']}/", json={"result": result}).status_code == 200
        rows = wait_for(seeded_app, lambda r: r[created["id"], 0].verdict.value == "denied")
        assert [h.state for h in rows[created["id"], 0].history] == [JudgmentState.ACTIVE]

        skipped = client.create_annotation(task.ls_task_id, result=[], completed_by=budi.id, was_cancelled=True)
        rows = wait_for(seeded_app, lambda r: (skipped["id"], 0) in r)
        assert {rows[skipped["id"], i].state for i in range(n)} == {JudgmentState.SKIPPED}

        assert api.delete(f"/api/annotations/{created['id']}/").status_code == 204
        rows = wait_for(seeded_app, lambda r: r[created["id"], 0].state is JudgmentState.DELETED)
    assert {rows[created["id"], i].state for i in range(n)} == {JudgmentState.DELETED}
    assert len(rows) == 2 * n, "every annotation stored once"


# -- the endpoint's own rules, through the test client ---------------------------------------


@pytest.fixture
def hook_app(database_url, tmp_path):
    app = create_app(
        {
            "database_url": database_url,
            "exports_dir": tmp_path / "exports",
            "webhook_secret": SECRET,
            # Nothing listens here: a test that needed a user lookup would fail loudly.
            "label_studio_url": "http://127.0.0.1:9",
            "label_studio_api_key": "unused",
        }
    )
    app.config.update(TESTING=True)
    with app.app_context():
        session = get_session()
        project = LabelStudioProject(project_key="claims", ls_project_id=2, base_url="http://ls.test", title="t", config_hash="")
        article = Article(external_id="a1")
        revision = ArticleRevision(article=article, number=1, content_hash="h", source="test", raw_text=TEXT, body=TEXT)
        mentions = []
        for claim_id in ("korea-utara-kirim-tentara", "pyongyang-membantah"):
            session.add(Claim(id=claim_id, text=claim_id))
            mentions.append(
                Mention(claim_id=claim_id, revision=revision, origin=MentionOrigin.CATALOGUE,
                        status=MentionStatus.ACCEPTED, dedup_key=claim_id, spans=[[7, 50]])
            )
        session.add_all([project, article, revision, *mentions, Annotator(email="ann@example.org", ls_user_id=2)])
        session.flush()
        session.add(LabelStudioTask(project=project, revision_id=revision.id, ls_task_id=3,
                                    mention_ids=[m.id for m in mentions], payload_hash="x"))
        session.commit()
    yield app
    app.extensions["annotator.engine"].dispose()


# ANNOTATION_CREATED as Label Studio 1.23.2 sends it (var/labelstudio-notes.md, section 4), trimmed.
CREATED = {
    "action": "ANNOTATION_CREATED",
    "annotation": {
        "id": 7, "result": [
            {"id": "p1", "from_name": "evidence_0", "to_name": "text", "type": "labels", "origin": "prediction",
             "value": {"start": 7, "end": 50, "text": TEXT[7:50], "labels": ["evidence"]}},
            {"id": "a", "from_name": "verdict_0", "to_name": "text", "type": "choices", "origin": "manual",
             "value": {"choices": ["disputed"]}},
            {"id": "b", "from_name": "verdict_1", "to_name": "text", "type": "choices", "origin": "manual",
             "value": {"choices": ["denied"]}},
        ],
        "was_cancelled": False, "ground_truth": False, "created_at": "2026-11-22T01:19:44.085697Z",
        "updated_at": "2026-11-22T01:19:44.085739Z", "draft_created_at": None, "lead_time": 9.2,
        "prediction": {}, "result_count": 3, "unique_id": "9f0c", "import_id": None, "last_action": None,
        "bulk_created": False, "task": 3, "project": 2, "completed_by": 2, "updated_by": 1,
        "parent_prediction": 2, "parent_annotation": None, "last_created_by": None,
    },
    "task": {"id": 3, "data": {"text": TEXT, "claims": []}, "meta": {}, "is_labeled": False, "project": 2},
    "project": {"id": 2, "title": "Claim verification", "label_config": "<View/>", "parsed_label_config": {}},
}


def post(client, payload, *, secret: str | None = SECRET, **options):
    headers = {} if secret is None else {WEBHOOK_SECRET_HEADER: secret}
    if "data" in options:
        return client.post(WEBHOOK_PATH, headers=headers, content_type="application/json", **options)
    return client.post(WEBHOOK_PATH, headers=headers, json=payload)


def stored(app) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        return (
            session.scalar(sa.select(sa.func.count(Judgment.id))),
            session.scalar(sa.select(sa.func.count(JudgmentRevision.id))),
        )


def test_an_annotation_posted_twice_is_stored_once(hook_app):
    client = hook_app.test_client()
    first = post(client, CREATED)
    again = post(client, CREATED)
    assert first.status_code == 200, first.get_json()
    assert {k: first.get_json()[k] for k in ("outcome", "created", "project_id", "annotation_ids")} == {
        "outcome": "created", "created": 2, "project_id": 2, "annotation_ids": [7]
    }
    assert (again.status_code, again.get_json()["outcome"], again.get_json()["unchanged"]) == (200, "unchanged", 2)
    assert stored(hook_app) == (2, 0)


def test_update_and_deletion_by_webhook(hook_app):
    client = hook_app.test_client()
    post(client, CREATED)
    updated = copy.deepcopy(CREATED)
    updated["action"] = "ANNOTATION_UPDATED"
    updated["annotation"]["updated_at"] = "2026-11-22T02:00:00.000000Z"
    updated["annotation"]["result"][1]["value"] = {"choices": ["confirmed"]}
    answer = post(client, updated).get_json()
    assert (answer["outcome"], answer["updated"], answer["unchanged"]) == ("updated", 1, 1)
    deletion = {"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 7}], "project": CREATED["project"]}
    assert post(client, deletion).get_json()["deleted"] == 2
    assert post(client, deletion).get_json() | {"problems": []} == {
        "action": "ANNOTATIONS_DELETED", "outcome": "unchanged", "project_id": 2, "annotation_ids": [7],
        "created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "rejected": 0, "deleted": 0, "problems": [],
    }
    assert stored(hook_app) == (2, 3), "one update and two deletions kept in history"


def test_an_annotation_of_a_task_not_pushed_is_acknowledged_and_ignored(hook_app):
    payload = copy.deepcopy(CREATED)
    payload["annotation"]["task"] = 99
    answer = post(hook_app.test_client(), payload)
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "ignored"
    assert "task 99" in answer.get_json()["problems"][0]
    assert stored(hook_app) == (0, 0)


def test_other_actions_are_accepted_and_ignored(hook_app):
    answer = post(hook_app.test_client(), {"action": "PROJECT_UPDATED", "project": {"id": 2, "title": "x"}})
    assert (answer.status_code, answer.get_json()["outcome"]) == (202, "ignored")


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET.upper(), SECRET + " "], ids=repr)
def test_a_missing_or_wrong_secret_is_refused(hook_app, secret):
    answer = post(hook_app.test_client(), CREATED, secret=secret)
    assert answer.status_code == 401 and answer.get_json()["type"] == "unauthorized"
    assert WEBHOOK_SECRET_HEADER in answer.get_json()["message"]
    assert stored(hook_app) == (0, 0)


def _without(payload: dict, *path: str) -> dict:
    payload = copy.deepcopy(payload)
    target = payload
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return payload


def _with(payload: dict, value, *path: str) -> dict:
    payload = copy.deepcopy(payload)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return payload


SHAPES = {
    "no-action": (_without(CREATED, "action"), 422, "json.action"),
    "annotation-id-is-text": (_with(CREATED, "7", "annotation", "id"), 422, "json.annotation.id"),
    "annotation-without-task": (_without(CREATED, "annotation", "task"), 422, "json.annotation.task"),
    "annotation-without-user": (_without(CREATED, "annotation", "completed_by"), 422, "json.annotation.completed_by"),
    "result-not-a-list": (_with(CREATED, {"verdict_0": "x"}, "annotation", "result"), 422, "json.annotation.result"),
    "created-without-annotation": (_without(CREATED, "annotation"), 422, "json.annotation"),
    "no-project-anywhere": (_without(_without(CREATED, "project"), "annotation", "project"), 422, "json.project"),
    "deleted-without-ids": ({"action": "ANNOTATIONS_DELETED", "project": {"id": 2}}, 422, "json.annotations"),
    "deleted-ids-not-integers": (
        {"action": "ANNOTATIONS_DELETED", "annotations": [{"id": "7"}], "project": {"id": 2}}, 422, "json.annotations.0.id"
    ),
    "deleted-without-project": ({"action": "ANNOTATIONS_DELETED", "annotations": [{"id": 7}]}, 422, "json.project"),
    "a-list-not-an-object": ([CREATED], 422, None),
}


@pytest.mark.parametrize(("payload", "status", "field"), list(SHAPES.values()), ids=list(SHAPES))
def test_a_payload_of_the_wrong_shape_is_refused_with_field_errors(hook_app, payload, status, field):
    answer = post(hook_app.test_client(), payload)
    assert answer.status_code == status, answer.get_json()
    if field:
        assert field in answer.get_json()["errors"], answer.get_json()["errors"]
    assert stored(hook_app) == (0, 0)


def test_a_body_that_is_not_json_is_refused(hook_app):
    answer = post(hook_app.test_client(), None, data="action=ANNOTATION_CREATED&annotation=7")
    assert answer.status_code == 400 and stored(hook_app) == (0, 0)


def test_an_unknown_project_is_not_found(hook_app):
    payload = _with(_with(CREATED, 404, "project", "id"), 404, "annotation", "project")
    answer = post(hook_app.test_client(), payload)
    assert answer.status_code == 404 and "404" in answer.get_json()["message"]
    assert stored(hook_app) == (0, 0)


def test_a_huge_body_is_refused_before_it_is_read(hook_app):
    payload = copy.deepcopy(CREATED)
    payload["task"]["data"]["text"] = "x" * MAX_BODY_BYTES
    body = json.dumps(payload)
    answer = post(hook_app.test_client(), None, data=body)
    assert answer.status_code == 413 and answer.get_json()["type"] == "payload_too_large"
    refused = post(hook_app.test_client(), None, data=body, secret="wrong")
    assert refused.status_code == 401, "the secret is checked first"
    assert stored(hook_app) == (0, 0)


def test_a_huge_body_without_a_length_is_cut_off(hook_app):
    """Chunked, so no Content-Length to check up front: reading stops at the limit."""
    payload = copy.deepcopy(CREATED)
    payload["task"]["data"]["text"] = "x" * MAX_BODY_BYTES

    def chunks():
        body = json.dumps(payload).encode()
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    server = make_server("127.0.0.1", free_port(), hook_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answer = httpx.post(
            f"http://127.0.0.1:{server.server_port}{WEBHOOK_PATH}",
            content=chunks(),
            headers={WEBHOOK_SECRET_HEADER: SECRET, "Content-Type": "application/json"},
            timeout=30,
        )
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
    assert answer.status_code == 413 and answer.json()["type"] == "payload_too_large", answer.text
    assert stored(hook_app) == (0, 0)


def test_the_endpoint_is_documented(hook_app):
    spec = hook_app.test_client().get("/api/openapi.json").get_json()
    operation = spec["paths"][WEBHOOK_PATH]["post"]
    assert {"200", "202", "401", "404", "413", "422"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"] if p["in"] == "header"] == [WEBHOOK_SECRET_HEADER]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Webhook")


def test_push_registers_exactly_the_actions_the_endpoint_gathers():
    assert sorted(WEBHOOK_ACTIONS) == sorted(GATHERED_ACTIONS)

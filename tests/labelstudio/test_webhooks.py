"""The webhook endpoint: Label Studio delivering over real HTTP, and every refusal storing nothing.

A webhook is only a notification: the endpoint reads the annotation it names back from
Label Studio and stores that copy, so every test that gets that far runs against the
session's real Label Studio, and forged bodies (right secret, wrong content) store nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from annotator import create_app
from annotator.api.webhooks import GATHERED_ACTIONS, MAX_BODY_BYTES
from annotator.config import REPO_ROOT
from annotator.db import get_session
from annotator.labelstudio.client import LabelStudioClient
from annotator.labelstudio.connection import WEBHOOK_PATH, WEBHOOK_SECRET_HEADER
from annotator.labelstudio.push import WEBHOOK_ACTIONS, push
from annotator.labelstudio.schema import label_config
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
from annotator.rules.project import FILE_NAME as PROJECT_FILE, load_project_config

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
#
# The service reads every notified annotation back from Label Studio, so these tests run
# against the session's real server: one project of this module with two tasks (the second
# never recorded in the store), and the store's rows carrying Label Studio's real ids.

CLAIMS = ("korea-utara-kirim-tentara", "pyongyang-membantah")


@dataclasses.dataclass(frozen=True)
class Remote:
    """What this module made in Label Studio."""

    client: LabelStudioClient
    api: httpx.Client  # plain HTTP for what the service never does itself (edit, delete)
    project: int
    task: int  # recorded in the store by ``hook_app``
    stranger: int  # in Label Studio only: a task the service did not push
    user: object  # the annotator (an AnnotatorUser)


@pytest.fixture(scope="module")
def remote(labelstudio, people):
    client = LabelStudioClient(labelstudio.url, labelstudio.token)
    config = load_project_config(REPO_ROOT / "config" / PROJECT_FILE)
    project = client.create_project(
        title=f"webhook tests {uuid.uuid4().hex[:8]}", label_config=label_config(config), maximum_annotations=100
    )
    claims = [{"id": c, "text": c, "heading": f"Claim {i + 1}: {c}"} for i, c in enumerate(CLAIMS)]
    task, stranger = client.import_tasks(
        project["id"],
        [{"data": {"text": TEXT, "title": title, "claims": claims}} for title in ("pushed", "not pushed")],
    )
    with httpx.Client(base_url=labelstudio.url, headers=labelstudio.headers(), timeout=30) as api:
        yield Remote(client, api, project["id"], task, stranger, people[0])


@pytest.fixture
def hook_app(database_url, tmp_path, labelstudio, remote):
    app = create_app(
        {
            "database_url": database_url,
            "exports_dir": tmp_path / "exports",
            "webhook_secret": SECRET,
            "label_studio_url": labelstudio.url,
            "label_studio_api_key": labelstudio.token,
        }
    )
    app.config.update(TESTING=True)
    with app.app_context():
        session = get_session()
        project = LabelStudioProject(
            project_key="claims", ls_project_id=remote.project, base_url=remote.client.url, title="t", config_hash=""
        )
        article = Article(external_id="a1")
        revision = ArticleRevision(article=article, number=1, content_hash="h", source="test", raw_text=TEXT, body=TEXT)
        mentions = []
        for claim_id in CLAIMS:
            session.add(Claim(id=claim_id, text=claim_id))
            mentions.append(
                Mention(claim_id=claim_id, revision=revision, origin=MentionOrigin.CATALOGUE,
                        status=MentionStatus.ACCEPTED, dedup_key=claim_id, spans=[[7, 50]])
            )
        annotator = Annotator(email=remote.user.email, ls_user_id=remote.user.id)
        session.add_all([project, article, revision, *mentions, annotator])
        session.flush()
        session.add(LabelStudioTask(project=project, revision_id=revision.id, ls_task_id=remote.task,
                                    mention_ids=[m.id for m in mentions], payload_hash="x"))
        session.commit()
    yield app
    app.extensions["annotator.engine"].dispose()


# ANNOTATION_CREATED as Label Studio 1.23.2 sends it (var/labelstudio-notes.md, section 4), trimmed;
# its ids are synthetic: the refusals below fail before anything is read back.
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


def notice(remote: Remote, annotation_id: int, *, task: int | None = None, action: str = "ANNOTATION_CREATED",
           result: list[dict] | None = None) -> dict:
    """:data:`CREATED` around Label Studio's real ids (what the body claims is not read)."""
    payload = copy.deepcopy(CREATED)
    task = remote.task if task is None else task
    payload["action"] = action
    payload["annotation"].update(id=annotation_id, task=task, project=remote.project, completed_by=remote.user.id)
    if result is not None:
        payload["annotation"]["result"] = copy.deepcopy(result)
    payload["task"].update(id=task, project=remote.project)
    payload["project"]["id"] = remote.project
    return payload


def annotate(remote: Remote, *verdicts: str, task: int | None = None) -> dict:
    """A real annotation in Label Studio (evidence for claim 0, then one verdict a claim),
    and the ANNOTATION_CREATED that announces it."""
    result = [copy.deepcopy(CREATED["annotation"]["result"][0])] + [
        {"id": f"v{i}", "from_name": f"verdict_{i}", "to_name": "text", "type": "choices", "origin": "manual",
         "value": {"choices": [v]}}
        for i, v in enumerate(verdicts or ("disputed", "denied"))
    ]
    task = remote.task if task is None else task
    created = remote.client.create_annotation(task, result=result, completed_by=remote.user.id)
    return notice(remote, created["id"], task=task, result=created["result"])


def deletion(remote: Remote, *annotation_ids: int) -> dict:
    return {
        "action": "ANNOTATIONS_DELETED",
        "annotations": [{"id": i} for i in annotation_ids],
        "project": {"id": remote.project, "title": "Claim verification"},
    }


def post(client, payload, *, secret: str | None = SECRET, **options):
    headers = {} if secret is None else {WEBHOOK_SECRET_HEADER: secret}
    if "data" in options:
        options.setdefault("content_type", "application/json")
        return client.post(WEBHOOK_PATH, headers=headers, **options)
    return client.post(WEBHOOK_PATH, headers=headers, json=payload)


def stored(app) -> tuple[int, int]:
    with app.app_context():
        session = get_session()
        return (
            session.scalar(sa.select(sa.func.count(Judgment.id))),
            session.scalar(sa.select(sa.func.count(JudgmentRevision.id))),
        )


def judgments(app, annotation_id: int) -> list[tuple[str | None, JudgmentState]]:
    """(verdict, state) of the annotation's judgments, claim by claim."""
    with app.app_context():
        rows = get_session().scalars(
            sa.select(Judgment).where(Judgment.ls_annotation_id == annotation_id).order_by(Judgment.claim_index)
        )
        return [(j.verdict.value if j.verdict else None, j.state) for j in rows]


def test_an_annotation_posted_twice_is_stored_once(hook_app, remote):
    client = hook_app.test_client()
    payload = annotate(remote)
    first = post(client, payload)
    again = post(client, payload)
    assert first.status_code == 200, first.get_json()
    assert {k: first.get_json()[k] for k in ("outcome", "created", "project_id", "annotation_ids")} == {
        "outcome": "created", "created": 2, "project_id": remote.project, "annotation_ids": [payload["annotation"]["id"]]
    }
    assert (again.status_code, again.get_json()["outcome"], again.get_json()["unchanged"]) == (200, "unchanged", 2)
    assert stored(hook_app) == (2, 0)
    assert judgments(hook_app, payload["annotation"]["id"]) == [
        ("disputed", JudgmentState.ACTIVE), ("denied", JudgmentState.ACTIVE)
    ]


def test_update_and_deletion_by_webhook(hook_app, remote):
    client = hook_app.test_client()
    payload = annotate(remote)
    annotation_id = payload["annotation"]["id"]
    assert post(client, payload).status_code == 200
    result = payload["annotation"]["result"]
    result[2]["value"] = {"choices": ["confirmed"]}
    assert remote.api.patch(f"/api/annotations/{annotation_id}/", json={"result": result}).status_code == 200
    answer = post(client, notice(remote, annotation_id, action="ANNOTATION_UPDATED", result=result)).get_json()
    assert (answer["outcome"], answer["updated"], answer["unchanged"]) == ("updated", 1, 1), answer
    assert judgments(hook_app, annotation_id)[1] == ("confirmed", JudgmentState.ACTIVE)

    assert remote.api.delete(f"/api/annotations/{annotation_id}/").status_code == 204
    assert post(client, deletion(remote, annotation_id)).get_json()["deleted"] == 2
    assert post(client, deletion(remote, annotation_id)).get_json() | {"problems": []} == {
        "action": "ANNOTATIONS_DELETED", "outcome": "unchanged", "project_id": remote.project,
        "annotation_ids": [annotation_id],
        "created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "rejected": 0, "deleted": 0, "problems": [],
    }
    assert stored(hook_app) == (2, 3), "one update and two deletions kept in history"
    assert {state for _, state in judgments(hook_app, annotation_id)} == {JudgmentState.DELETED}


def test_an_annotation_of_a_task_not_pushed_is_acknowledged_and_ignored(hook_app, remote):
    payload = annotate(remote, task=remote.stranger)
    answer = post(hook_app.test_client(), payload)
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "ignored", answer.get_json()
    assert f"task {remote.stranger}" in answer.get_json()["problems"][0]
    assert stored(hook_app) == (0, 0)


def test_other_actions_are_accepted_and_ignored(hook_app, remote):
    answer = post(hook_app.test_client(), {"action": "PROJECT_UPDATED", "project": {"id": remote.project, "title": "x"}})
    assert (answer.status_code, answer.get_json()["outcome"]) == (202, "ignored")


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET.upper(), SECRET + " "], ids=repr)
def test_a_missing_or_wrong_secret_is_refused(hook_app, remote, secret):
    payload = annotate(remote)
    answer = post(hook_app.test_client(), payload, secret=secret)
    assert answer.status_code == 401 and answer.get_json()["type"] == "unauthorized"
    assert WEBHOOK_SECRET_HEADER in answer.get_json()["message"]
    assert stored(hook_app) == (0, 0)


def test_a_forged_annotation_with_the_right_secret_stores_nothing(hook_app, remote):
    """The secret is readable by any Label Studio member: a body naming an annotation
    Label Studio does not have is refused, however well formed."""
    forged = notice(remote, 2**31 - 1)
    answer = post(hook_app.test_client(), forged)
    assert answer.status_code == 404 and answer.get_json()["type"] == "not_found", answer.get_json()
    assert str(2**31 - 1) in answer.get_json()["message"]
    assert stored(hook_app) == (0, 0)


def test_a_forged_body_of_a_real_annotation_stores_label_studios_copy(hook_app, remote):
    real = annotate(remote, "disputed", "denied")
    forged = copy.deepcopy(real)
    for region in forged["annotation"]["result"]:
        if region["type"] == "choices":
            region["value"] = {"choices": ["confirmed"]}
    answer = post(hook_app.test_client(), forged)
    assert (answer.status_code, answer.get_json()["created"]) == (200, 2), answer.get_json()
    assert judgments(hook_app, real["annotation"]["id"]) == [
        ("disputed", JudgmentState.ACTIVE), ("denied", JudgmentState.ACTIVE)
    ], "Label Studio's copy, not the body's"


def test_a_forged_deletion_of_a_live_annotation_deletes_nothing(hook_app, remote):
    client = hook_app.test_client()
    payload = annotate(remote)
    annotation_id = payload["annotation"]["id"]
    assert post(client, payload).get_json()["created"] == 2
    answer = post(client, deletion(remote, annotation_id))
    assert answer.status_code == 200, answer.get_json()
    assert (answer.get_json()["outcome"], answer.get_json()["deleted"]) == ("unchanged", 0)
    assert answer.get_json()["problems"] == [f"annotation {annotation_id} is still in Label Studio: not deleted"]
    assert {state for _, state in judgments(hook_app, annotation_id)} == {JudgmentState.ACTIVE}
    assert stored(hook_app) == (2, 0)


def test_an_id_beyond_32_bits_is_refused(hook_app, remote):
    client = hook_app.test_client()
    answer = post(client, notice(remote, 2**70))
    assert answer.status_code == 422 and "json.annotation.id" in answer.get_json()["errors"], answer.get_json()
    answer = post(client, deletion(remote, 2**70))
    assert answer.status_code == 422 and "json.annotations.0.id" in answer.get_json()["errors"], answer.get_json()
    assert stored(hook_app) == (0, 0)


def test_a_body_nested_deep_is_refused(hook_app):
    answer = post(hook_app.test_client(), None, data="[" * 100_000 + "]" * 100_000)
    assert answer.status_code == 400 and answer.get_json()["type"] == "invalid_input", answer.get_json()
    assert "nests" in answer.get_json()["message"]
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


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        # Declared JSON but is not: the parser refuses it.
        ("application/json", 400),
        # Not declared JSON: the hardening layer refuses any such write before the view.
        ("text/plain", 415),
    ],
)
def test_a_body_that_is_not_json_is_refused(hook_app, content_type, status):
    answer = post(
        hook_app.test_client(), None, data="action=ANNOTATION_CREATED&annotation=7", content_type=content_type
    )
    assert answer.status_code == status, answer.get_json()
    assert stored(hook_app) == (0, 0)


def test_an_unknown_project_is_not_found(hook_app, remote):
    unknown = remote.project + 1_000_000
    payload = _with(_with(annotate(remote), unknown, "project", "id"), unknown, "annotation", "project")
    answer = post(hook_app.test_client(), payload)
    assert answer.status_code == 404 and str(unknown) in answer.get_json()["message"], answer.get_json()
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

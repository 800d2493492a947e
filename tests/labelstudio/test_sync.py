"""Incremental sync against a real Label Studio: created, skipped, updated, deleted, weird."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
import sqlalchemy as sa

from annotator.db import get_session
from annotator.labelstudio.annotators import SIMULATED_DOMAIN
from annotator.labelstudio.client import LabelStudioClient
from annotator.labelstudio.push import push
from annotator.labelstudio import sync as sync_module
from annotator.labelstudio.sync import SYNC_OVERLAP, sync
from annotator.models import Annotator, Judgment, JudgmentState, LabelStudioProject, LabelStudioTask

PASSWORD = "sync-test-password"


@pytest.fixture(scope="module")
def people(labelstudio_server):
    """Three Label Studio users who can log in; the third is a simulated annotator."""
    emails = ["sync-ann@example.org", "sync-budi@example.org", f"sync-bot@{SIMULATED_DOMAIN}"]
    return [labelstudio_server.create_user(email, PASSWORD, first_name=email.split("@")[0]) for email in emails]


class Recording:
    """The real client, remembering what each read asked for: the ``updated_after`` of
    a task listing, or None for a read of tasks from the export (a full sync); and
    how often users were listed and read one by one."""

    def __init__(self, client: LabelStudioClient):
        self.client = client
        self.asked: list[dt.datetime | None] = []
        self.user_lists = self.user_reads = 0

    def iter_tasks(self, project_id, **options):
        self.asked.append(options.get("updated_after"))
        return self.client.iter_tasks(project_id, **options)

    def export_tasks(self, project_id, task_ids):
        self.asked.append(None)
        return self.client.export_tasks(project_id, task_ids)

    def users(self):
        self.user_lists += 1
        return self.client.users()

    def user(self, user_id):
        self.user_reads += 1
        return self.client.user(user_id)

    def __getattr__(self, name):
        return getattr(self.client, name)


def client_of(app) -> LabelStudioClient:
    settings = app.extensions["annotator.settings"]
    return LabelStudioClient(settings.label_studio_url, settings.label_studio_api_key)


def api_of(app) -> httpx.Client:
    """Plain HTTP for what the service never does itself (edit and delete annotations)."""
    settings = app.extensions["annotator.settings"]
    return httpx.Client(
        base_url=settings.label_studio_url, headers={"Authorization": f"Token {settings.label_studio_api_key}"}, timeout=30
    )


def verdicts(*values: str) -> list[dict]:
    return [
        {"id": f"v{i}", "from_name": f"verdict_{i}", "to_name": "text", "type": "choices", "value": {"choices": [v]}}
        for i, v in enumerate(values)
    ]


def pushed(app) -> tuple[LabelStudioProject, list[LabelStudioTask]]:
    session = get_session()
    push(session, client_of(app), app.extensions["annotator.settings"])
    project = session.scalar(sa.select(LabelStudioProject))
    tasks = list(session.scalars(sa.select(LabelStudioTask).order_by(LabelStudioTask.ls_task_id)))
    return project, tasks


def counts(report) -> dict:
    keys = ("tasks", "annotations", "created", "updated", "unchanged", "skipped", "rejected", "deleted", "ignored")
    return {k: getattr(report, k) for k in keys}


def stored(session) -> dict[tuple[int, int], Judgment]:
    session.expire_all()
    return {(j.ls_annotation_id, j.claim_index): j for j in session.scalars(sa.select(Judgment))}


def test_sync_gathers_created_skipped_updated_and_deleted_annotations(seeded_app, people):
    ann, budi, bot = people
    client = client_of(seeded_app)
    with seeded_app.app_context(), api_of(seeded_app) as api:
        session = get_session()
        project, tasks = pushed(seeded_app)
        first_task, second_task = tasks[0], tasks[1]
        n1, n2 = len(first_task.mention_ids), len(second_task.mention_ids)
        assert n1 >= 2 and n2 >= 1, "the seeds give these tasks claims"
        text = first_task.revision.body
        evidence = {"id": "e0", "from_name": "evidence_0", "to_name": "text", "type": "labels",
                    "value": {"start": 0, "end": 20, "text": text[:20], "labels": ["evidence"]}}
        rating = {"id": "r0", "from_name": "confidence_0", "to_name": "text", "type": "rating", "value": {"rating": 4}}
        answer = client.create_annotation(
            first_task.ls_task_id, result=verdicts(*["confirmed"] * n1) + [evidence, rating], completed_by=ann.id
        )
        skip = client.create_annotation(first_task.ls_task_id, result=[], completed_by=budi.id, was_cancelled=True)
        by_bot = client.create_annotation(second_task.ls_task_id, result=verdicts(*["denied"] * n2), completed_by=bot.id)
        doomed = client.create_annotation(second_task.ls_task_id, result=verdicts(*["disputed"] * n2), completed_by=ann.id)

        recording = Recording(client)
        first = sync(session, recording, project)
        session.commit()
        assert recording.asked == [None], "the first sync reads every task"
        assert counts(first) == {
            "tasks": len(tasks), "annotations": 4, "created": 2 * n1 + 2 * n2, "updated": 0, "unchanged": 0,
            "skipped": n1, "rejected": 0, "deleted": 0, "ignored": 0,
        }
        watermark = project.synced_until
        assert watermark is not None and project.last_synced_at is not None

        changed = verdicts("denied", *["confirmed"] * (n1 - 1)) + [evidence, rating]
        assert api.patch(f"/api/annotations/{answer['id']}/", json={"result": changed}).status_code == 200
        assert api.delete(f"/api/annotations/{doomed['id']}/").status_code == 204

        second = sync(session, recording, project, overlap=dt.timedelta(0))
        session.commit()
        assert recording.asked[-1].replace(tzinfo=dt.timezone.utc) == watermark.replace(tzinfo=dt.timezone.utc)
        assert counts(second) == {
            "tasks": 2, "annotations": 3, "created": 0, "updated": 1, "unchanged": (n1 - 1) + n1 + n2,
            "skipped": 0, "rejected": 0, "deleted": n2, "ignored": 0,
        }, "only the two changed tasks are read again"

        third = sync(session, recording, project)
        session.commit()
        assert recording.asked[-1] == second.synced_until - SYNC_OVERLAP
        assert (third.created, third.updated, third.deleted) == (0, 0, 0), "re-reading the overlap changes nothing"

        judgments = stored(session)
        assert len(judgments) == 2 * n1 + 2 * n2, "nothing was stored twice"
        edited = judgments[answer["id"], 0]
        assert (edited.verdict.value, [h.verdict.value for h in edited.history]) == ("denied", ["confirmed"])
        assert edited.evidence == [{"start": 0, "end": 20, "text": text[:20]}] and edited.confidence == 4
        assert edited.mention_id == first_task.mention_ids[0]
        assert {judgments[skip["id"], i].state for i in range(n1)} == {JudgmentState.SKIPPED}
        assert {judgments[doomed["id"], i].state for i in range(n2)} == {JudgmentState.DELETED}
        assert {judgments[by_bot["id"], i].simulated for i in range(n2)} == {True}
        annotators = {a.ls_user_id: a for a in session.scalars(sa.select(Annotator))}
        assert {uid: (a.email, a.simulated) for uid, a in annotators.items()} == {
            ann.id: (ann.email, False), budi.id: (budi.email, False), bot.id: (bot.email, True)
        }

        full = sync(session, recording, project, full=True)
        session.commit()
        assert recording.asked[-1] is None
        assert (full.tasks, full.created, full.updated, full.deleted) == (len(tasks), 0, 0, 0)


def test_sync_keeps_weird_annotations_for_the_record_and_never_crashes(seeded_app, people):
    ann = people[0]
    client = client_of(seeded_app)
    with seeded_app.app_context():
        session = get_session()
        project, tasks = pushed(seeded_app)
        task = tasks[0]
        n = len(task.mention_ids)
        # Label Studio does not check results against the labeling config: all of this is accepted.
        weird = client.create_annotation(
            task.ls_task_id,
            completed_by=ann.id,
            result=[
                {"id": "x1", "from_name": "nonexistent", "to_name": "text", "type": "choices", "value": {"choices": ["denied"]}},
                {"id": "x2", "from_name": "verdict_0", "to_name": "text", "type": "choices", "value": {"choices": ["maybe"]}},
                {"id": "x3", "from_name": f"verdict_{n + 4}", "to_name": "text", "type": "choices", "value": {"choices": ["denied"]}},
                {"id": "x4", "from_name": "confidence_0", "to_name": "text", "type": "rating", "value": {"rating": "high"}},
            ],
        )
        # A task someone imported by hand into the project: not ours, so not stored.
        (stranger,) = client.import_tasks(project.ls_project_id, [{"data": {"text": "Teks lain.", "claims": []}}])
        client.create_annotation(stranger, result=verdicts("confirmed"), completed_by=ann.id)

        report = sync(session, client, project)
        session.commit()
        judgments = stored(session)
        later = sync(session, client, project)  # incremental: lists the changed tasks, the stranger's too
        session.commit()
    # claims 0 and n + 4 are named (both rejected); the others are simply not judged;
    # the stranger task is not read at all by the first (full) sync, only counted
    assert (report.annotations, report.created, report.rejected, report.ignored) == (1, 2, 2, 0)
    assert {j.state for j in judgments.values()} == {JudgmentState.REJECTED}
    assert {j.mention_id for j in judgments.values()} == {None}
    reasons = judgments[weird["id"], 0].reject_reason
    assert "unknown verdict 'maybe'" in reasons and "rating must be an integer" in reasons
    assert judgments[weird["id"], n + 4].reject_reason == f"unknown claim index {n + 4}: the task has {n} claims"
    assert any("'nonexistent' is not a claim control" in p for p in report.problems)
    assert any("1 task(s) in the project were not pushed by this service" in p for p in report.problems)
    assert any(f"task {stranger}: not pushed by this service" in p for p in later.problems)


def test_a_full_sync_across_pages_and_export_chunks_stores_every_annotation_once(seeded_app, people, monkeypatch):
    """Pages and export chunks of two tasks, so the five seed tasks span three of each."""
    monkeypatch.setattr(sync_module, "PAGE", 2)
    monkeypatch.setattr(sync_module, "EXPORT_CHUNK", 2)
    client = client_of(seeded_app)
    with seeded_app.app_context():
        session = get_session()
        project, tasks = pushed(seeded_app)
        made = {
            client.create_annotation(
                task.ls_task_id, result=verdicts(*["confirmed"] * len(task.mention_ids)), completed_by=person.id
            )["id"]: len(task.mention_ids)
            for task in tasks
            for person in people
        }
        recording = Recording(client)
        report = sync(session, recording, project, full=True)
        session.commit()
        assert recording.asked == [None] * 3, "three export chunks"
        assert recording.user_lists == 1 and recording.user_reads == 0, "every annotator from one user listing"
        claims = sum(len(task.mention_ids) for task in tasks)
        assert counts(report) == {
            "tasks": len(tasks), "annotations": len(made), "created": 3 * claims, "updated": 0, "unchanged": 0,
            "skipped": 0, "rejected": 0, "deleted": 0, "ignored": 0,
        }
        assert set(stored(session)) == {(a, i) for a, claims_in_task in made.items() for i in range(claims_in_task)}
        again = sync(session, recording, project, full=True)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3 * claims)


def test_a_user_created_after_the_listing_is_read_on_its_own(seeded_app, labelstudio_server):
    client = client_of(seeded_app)
    recording = Recording(client)
    directory = sync_module._UserDirectory(recording)
    known = labelstudio_server.create_user("sync-listed@example.org", PASSWORD)
    assert directory(known.id)["email"] == "sync-listed@example.org"
    late = labelstudio_server.create_user(f"sync-late-{uuid.uuid4().hex[:6]}@example.org", PASSWORD)
    assert directory(late.id)["email"] == late.email
    assert (recording.user_lists, recording.user_reads) == (1, 1)


def test_a_full_sync_of_a_project_without_pushed_tasks_reads_nothing(seeded_app):
    client = client_of(seeded_app)
    remote = client.create_project(title="empty", description="nothing pushed yet")
    client.import_tasks(remote["id"], [{"data": {"text": "Teks lain.", "claims": []}}])
    with seeded_app.app_context():
        session = get_session()
        project = LabelStudioProject(
            project_key="empty", ls_project_id=remote["id"], base_url=client.url, title="empty", config_hash=""
        )
        session.add(project)
        session.flush()
        report = sync(session, client, project, full=True)
    assert (report.tasks, report.annotations, report.synced_until) == (0, 0, None)
    assert report.problems == ["1 task(s) in the project were not pushed by this service: not read"]

"""Push: the store's articles and claims into a Label Studio project, only what is new.

* The project is created once (its key is written into its description, so a
  project created just before a crash is adopted, not duplicated) and its
  labeling config and overlap follow ``config/labelstudio.yaml``.
* The webhook to this service is registered (or corrected) on every push.
* Every current article revision with accepted claims becomes one task, with
  the located spans as predictions.  A task is imported once: the store keeps
  its Label Studio id.  Tasks imported by a push that died before storing
  their ids are found again by their ``annotator_key``.
* An article whose claims changed keeps its task: new claims are appended to
  the task's claim list (claims are addressed by position, so the annotations
  already made keep their meaning) with predictions for their spans.  A claim
  that is no longer accepted stays in the task; its judgments are still stored
  but no longer counted.  An article whose *text* changed gets a new task for
  the new revision; the old task and its annotations stay, tied to the old text.

Each import batch and its ids are committed together, so an interrupted push
loses nothing and the next one resumes.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..config import Settings
from ..db import store_lock
from ..errors import Conflict
from ..models import Article, LabelStudioProject, LabelStudioTask, utcnow
from .client import LabelStudioClient
from .connection import WEBHOOK_PATH, WEBHOOK_SECRET_HEADER, webhook_secret
from ..rules.project import ProjectConfig, load_project_config
from .schema import config_hash, label_config
from .tasks import (
    ArticleClaims,
    articles_to_push,
    claim_rows,
    payload_hash,
    predictions,
    stories_to_push,
    task_data,
    task_key,
)

__all__ = ["PushReport", "push", "keep_webhook_on", "WEBHOOK_ACTIONS"]

WEBHOOK_ACTIONS = ["ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED"]
_KEY_MARKER = "[annotator-project:{key}]"


@dataclasses.dataclass
class PushReport:
    project_id: int
    project_url: str
    label_stream_url: str
    created_project: bool = False
    config_updated: bool = False
    tasks_created: int = 0
    tasks_recovered: int = 0
    tasks_extended: int = 0
    tasks_unchanged: int = 0
    articles_without_claims: int = 0

    def counts(self) -> dict:
        """What the audit log keeps of a push."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ("project_url", "label_stream_url")}


def _project_fields(config: ProjectConfig, xml: str, story: str) -> dict:
    return {
        "title": config.title.format(story=story)[:50],
        "label_config": xml,
        "maximum_annotations": config.overlap,
        # Serve tasks that still need annotators first, one annotator at a time.
        "show_overlap_first": True,
        "overlap_cohort_percentage": 100,
        "show_annotation_history": False,
        "show_collab_predictions": True,
        "model_version": config.predictions_model_version,
        "show_skip_button": True,
        "enable_empty_annotation": False,
    }


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What the project must look like in Label Studio; worked out from the store."""

    key: str
    fields: dict
    digest: str
    webhook: dict
    #: the stored project's Label Studio id and whether its config is current (None: not stored)
    known_id: int | None
    config_current: bool


@dataclasses.dataclass(frozen=True)
class _Settled:
    """What Label Studio holds after :func:`_settle_project`."""

    ls_project_id: int
    created: bool
    config_updated: bool
    webhook_id: int


def _plan(
    session: Session, client: LabelStudioClient, settings: Settings, config: ProjectConfig
) -> tuple[_Plan, LabelStudioProject | None]:
    key = settings.label_studio_project
    row = session.scalar(sa.select(LabelStudioProject).where(LabelStudioProject.project_key == key))
    if row is not None and row.base_url != client.url:
        raise Conflict(
            f"project {row.project_key!r} lives on {row.base_url}, not {client.url}:"
            " set ANNOTATOR_LABEL_STUDIO_PROJECT to a new key to start a project on this server"
        )
    xml = label_config(config)
    digest = config_hash(xml)
    plan = _Plan(
        key=key,
        fields=_project_fields(config, xml, ", ".join(stories_to_push(session)) or key),
        digest=digest,
        webhook=_webhook_fields(settings),
        known_id=row.ls_project_id if row is not None else None,
        config_current=row is not None and row.config_hash == digest,
    )
    return plan, row


def _webhook_fields(settings: Settings) -> dict:
    return {
        "url": settings.service_url + WEBHOOK_PATH,
        "headers": {WEBHOOK_SECRET_HEADER: webhook_secret(settings)},
        "actions": WEBHOOK_ACTIONS,
    }


def _settle_project(client: LabelStudioClient, plan: _Plan) -> _Settled:
    """Find or create the project, bring its settings and webhook up to date.

    Talks only to Label Studio (never to the store), so a push runs it while it
    reads the store.  A project created by a push that died before storing it is
    found again by the key marker in its description, among the projects with its
    title (listing every project costs more the more the server holds; a project
    orphaned just as the claims' stories changed is left alone, not adopted).
    """
    client.whoami()  # a wrong URL or key fails here, before anything changes
    project_id, created, updated = plan.known_id, False, False
    if project_id is None:
        marker = _KEY_MARKER.format(key=plan.key)
        candidates = client.projects(title=plan.fields["title"])
        found = next((p for p in candidates if marker in (p.get("description") or "")), None)
        if found is None:
            project_id = client.create_project(description=f"Claims pushed by annotator. {marker}", **plan.fields)["id"]
            created = True
        else:
            project_id = found["id"]
    if not created and not plan.config_current:
        client.update_project(project_id, **plan.fields)
        updated = True
    # A project made just now has no webhook to look for.
    hook = client.create_webhook if created else client.ensure_webhook
    return _Settled(project_id, created, updated, hook(project_id, **plan.webhook))


def keep_webhook_on(client: LabelStudioClient, settings: Settings, project: LabelStudioProject) -> str:
    """Make sure the project's webhook to this service is there and on; what was found:
    ``active``, ``re-enabled`` (switched off, or changed, in Label Studio) or
    ``recreated`` (gone).  Stores the hook's id and the finding on ``project``."""
    webhook = _webhook_fields(settings)
    found = next((h for h in client.webhooks(project.ls_project_id) if h.get("url") == webhook["url"]), None)
    fine = found is not None and found.get("is_active", True) and sorted(found.get("actions") or []) == sorted(
        WEBHOOK_ACTIONS
    ) and (found.get("headers") or {}) == webhook["headers"]
    if fine:
        state = "active"
    else:
        project.webhook_id = client.ensure_webhook(project.ls_project_id, **webhook)
        state = "recreated" if found is None else "re-enabled"
    project.webhook_state, project.webhook_checked_at = state, utcnow()
    return state


def _record(
    session: Session, client: LabelStudioClient, plan: _Plan, row: LabelStudioProject | None, settled: _Settled
) -> LabelStudioProject:
    """Store what :func:`_settle_project` did; commits."""
    if row is None:
        row = LabelStudioProject(project_key=plan.key, ls_project_id=settled.ls_project_id, base_url=client.url)
        session.add(row)
    if row.config_hash != plan.digest:
        row.config_hash, row.title = plan.digest, plan.fields["title"]
    row.webhook_id = settled.webhook_id
    session.commit()
    return row


@dataclasses.dataclass(frozen=True)
class _StoredTask:
    id: int
    ls_task_id: int
    mention_ids: tuple[int, ...]


def push(
    session: Session,
    client: LabelStudioClient,
    settings: Settings,
    *,
    config: ProjectConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> PushReport:
    """Bring the project up to date with the store; commits batch by batch.

    One push of a project at a time, whoever starts it (the API, the CLI, several
    processes): the others wait for it on the store's lock, then find its tasks
    stored and add only what is still new, so no task is imported twice.
    """
    config = config or load_project_config(settings.rule_file("labelstudio.yaml"))
    with store_lock(session.get_bind(), f"push of Label Studio project {settings.label_studio_project!r}"):
        # Read the store as the previous holder left it (a push commits anyway).
        session.commit()
        session.expire_all()
        return _push(session, client, settings, config, progress)


def _push(
    session: Session,
    client: LabelStudioClient,
    settings: Settings,
    config: ProjectConfig,
    progress: Callable[[int], None] | None,
) -> PushReport:
    plan, row = _plan(session, client, settings, config)
    # Label Studio settles the project and webhook while the store is read and the
    # payloads are built: the two take about as long (bench/README.md).
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        settling = pool.submit(_settle_project, client, plan)
        candidates = articles_to_push(session)
        existing = _stored_tasks(session, row) if row is not None else {}
        new = [_new_task(plan.key, article, config) for article in candidates if article.revision.id not in existing]
        settled = settling.result()
    project = _record(session, client, plan, row, settled)
    report = PushReport(
        project_id=project.ls_project_id,
        project_url=f"{client.url}/projects/{project.ls_project_id}/data",
        label_stream_url=f"{client.url}/projects/{project.ls_project_id}/data?labeling=1",
        created_project=settled.created,
        config_updated=settled.config_updated,
        articles_without_claims=session.scalar(sa.select(sa.func.count(Article.id))) - len(candidates),
    )
    _extend_tasks(session, client, plan.key, candidates, existing, config, report, progress)
    if new and not settled.created:  # a project made by this push cannot hold orphans
        recovered = _recover_orphans(session, client, project, [t.article for t in new], len(existing))
        report.tasks_recovered = len(recovered)
        new = [task for task in new if task.article.revision.id not in recovered]
        if progress and recovered:
            progress(len(recovered))
    _import_tasks(session, client, project, new, config, report, progress)
    return report


def _extend_tasks(
    session: Session,
    client: LabelStudioClient,
    project_key: str,
    candidates: list[ArticleClaims],
    existing: dict[int, _StoredTask],
    config: ProjectConfig,
    report: PushReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Append new claims to the tasks the articles already have; commits."""
    for article in candidates:
        task = existing.get(article.revision.id)
        if task is None:
            continue
        if _extend(session, client, project_key, task, article, config):
            report.tasks_extended += 1
        else:
            report.tasks_unchanged += 1
        if progress:
            progress(1)
    session.commit()


def _import_tasks(
    session: Session,
    client: LabelStudioClient,
    project: LabelStudioProject,
    new: list[_NewTask],
    config: ProjectConfig,
    report: PushReport,
    progress: Callable[[int], None] | None,
) -> None:
    """Import the new tasks a batch at a time, committing each batch with its ids."""
    for start in range(0, len(new), config.batch_size):
        batch = new[start : start + config.batch_size]
        ids = client.import_tasks(project.ls_project_id, [task.payload for task in batch])
        session.execute(
            sa.insert(LabelStudioTask),
            [
                {
                    "project_id": project.id,
                    "revision_id": task.article.revision.id,
                    "ls_task_id": ls_id,
                    "mention_ids": [claim.mention_id for claim, _ in task.article.claims],
                    "payload_hash": task.digest,
                }
                for task, ls_id in zip(batch, ids)
            ],
        )
        session.commit()
        report.tasks_created += len(ids)
        if progress:
            progress(len(ids))


def _stored_tasks(session: Session, project: LabelStudioProject) -> dict[int, _StoredTask]:
    """The project's stored tasks by revision id."""
    rows = session.execute(
        sa.select(
            LabelStudioTask.revision_id, LabelStudioTask.id, LabelStudioTask.ls_task_id, LabelStudioTask.mention_ids
        ).where(LabelStudioTask.project_id == project.id)
    )
    return {revision_id: _StoredTask(id_, ls_id, tuple(mentions)) for revision_id, id_, ls_id, mentions in rows}


@dataclasses.dataclass(frozen=True)
class _NewTask:
    article: ArticleClaims
    payload: dict
    digest: str


def _new_task(project_key: str, article: ArticleClaims, config: ProjectConfig) -> _NewTask:
    payload = _payload(project_key, article, config)
    return _NewTask(article, payload, payload_hash(payload["data"]))


def _payload(project_key: str, article: ArticleClaims, config: ProjectConfig) -> dict:
    spans = {i: s for i, (_, s) in enumerate(article.claims) if s}
    payload = {"data": task_data(project_key, article.revision, [claim for claim, _ in article.claims])}
    result = predictions(article.revision.body, spans)
    if result:
        payload["predictions"] = [
            {"model_version": config.predictions_model_version, "score": 1.0, "result": result}
        ]
    return payload


def _extend(
    session: Session,
    client: LabelStudioClient,
    project_key: str,
    task: _StoredTask,
    article: ArticleClaims,
    config: ProjectConfig,
) -> bool:
    """Append the article's new claims to its existing task; False if there are none."""
    known = claim_rows(session, task.mention_ids)
    known_claims = {claim.claim_id for claim in known.values()}
    added = [(c, s) for c, s in article.claims if c.mention_id not in known and c.claim_id not in known_claims]
    if not added:
        return False
    # A mention of the task that has lost its claim since keeps its place (None: no claim row).
    claims = [known.get(m) for m in task.mention_ids] + [claim for claim, _ in added]
    if any(claim is None for claim in claims):
        missing = [m for m in task.mention_ids if m not in known]
        raise Conflict(
            f"task {task.ls_task_id} holds mention(s) {missing} that no longer name a claim:"
            " it cannot be extended without renumbering its claims"
        )
    data = task_data(project_key, article.revision, claims)
    client.update_task_data(task.ls_task_id, data)
    first_new = len(task.mention_ids)
    spans = {first_new + i: s for i, (_, s) in enumerate(added) if s}
    result = predictions(article.revision.body, spans)
    if result:
        client.add_prediction(
            task.ls_task_id, result, model_version=config.predictions_model_version, score=1.0
        )
    session.execute(
        sa.update(LabelStudioTask)
        .where(LabelStudioTask.id == task.id)
        .values(mention_ids=[c.mention_id for c in claims], payload_hash=payload_hash(data))
    )
    return True


def _recover_orphans(
    session: Session,
    client: LabelStudioClient,
    project: LabelStudioProject,
    new: list[ArticleClaims],
    stored: int,
) -> set[int]:
    """Store the ids of tasks a crashed push imported but never recorded; their revision ids."""
    remote_count = client.project(project.ls_project_id).get("task_number") or 0
    if remote_count <= stored:
        return set()
    wanted = {task_key(project.project_key, a.revision.id): a for a in new}
    recovered = set()
    for task in client.iter_tasks(project.ls_project_id, fields="task_only"):
        article = wanted.get((task.get("data") or {}).get("annotator_key"))
        if article is None or article.revision.id in recovered:
            continue
        claims = task["data"].get("claims") or []
        session.add(
            LabelStudioTask(
                project_id=project.id,
                revision_id=article.revision.id,
                ls_task_id=task["id"],
                mention_ids=[c.get("mention_id") for c in claims],
                payload_hash=payload_hash(task["data"]),
            )
        )
        recovered.add(article.revision.id)
    session.commit()
    return recovered

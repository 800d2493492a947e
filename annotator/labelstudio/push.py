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

import dataclasses
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..config import Settings
from ..errors import Conflict
from ..models import Article, LabelStudioProject, LabelStudioTask, Mention
from .client import LabelStudioClient
from .connection import WEBHOOK_PATH, WEBHOOK_SECRET_HEADER, webhook_secret
from .schema import ProjectConfig, config_hash, label_config, load_project_config
from .tasks import ArticleClaims, articles_to_push, payload_hash, predictions, task_data, task_key

__all__ = ["PushReport", "push", "ensure_project", "WEBHOOK_ACTIONS"]

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


def ensure_project(
    session: Session, client: LabelStudioClient, settings: Settings, config: ProjectConfig, *, story: str
) -> tuple[LabelStudioProject, bool, bool]:
    """The project row for ``settings.label_studio_project``: (row, created, config_updated)."""
    xml = label_config(config)
    digest = config_hash(xml)
    key = settings.label_studio_project
    fields = _project_fields(config, xml, story)
    row = session.scalar(sa.select(LabelStudioProject).where(LabelStudioProject.project_key == key))
    if row is not None and row.base_url != client.url:
        raise Conflict(
            f"project {row.project_key!r} lives on {row.base_url}, not {client.url}:"
            " set ANNOTATOR_LABEL_STUDIO_PROJECT to a new key to start a project on this server"
        )
    if row is None:
        marker = _KEY_MARKER.format(key=key)
        found = next((p for p in client.projects() if marker in (p.get("description") or "")), None)
        created = found is None
        if found is None:
            found = client.create_project(description=f"Claims pushed by annotator. {marker}", **fields)
        row = LabelStudioProject(
            project_key=key,
            ls_project_id=found["id"],
            base_url=client.url,
            title=fields["title"],
            config_hash=digest if created else "",
        )
        session.add(row)
        session.commit()
    else:
        created = False
    updated = False
    if row.config_hash != digest:
        client.update_project(row.ls_project_id, **fields)
        row.config_hash, row.title = digest, fields["title"]
        session.commit()
        updated = not created
    return row, created, updated


def push(
    session: Session,
    client: LabelStudioClient,
    settings: Settings,
    *,
    config: ProjectConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> PushReport:
    """Bring the project up to date with the store; commits batch by batch."""
    config = config or load_project_config(settings.rule_file("labelstudio.yaml"))
    client.whoami()  # a wrong URL or key fails here, before anything changes
    candidates = articles_to_push(session)
    stories = sorted({m.claim.story for a in candidates for m, _ in a.claims if m.claim.story})
    project, created, updated = ensure_project(
        session, client, settings, config, story=", ".join(stories) or settings.label_studio_project
    )
    project.webhook_id = client.ensure_webhook(
        project.ls_project_id,
        url=settings.service_url + WEBHOOK_PATH,
        headers={WEBHOOK_SECRET_HEADER: webhook_secret(settings)},
        actions=WEBHOOK_ACTIONS,
    )
    session.commit()
    report = PushReport(
        project_id=project.ls_project_id,
        project_url=f"{client.url}/projects/{project.ls_project_id}/data",
        label_stream_url=f"{client.url}/projects/{project.ls_project_id}/data?labeling=1",
        created_project=created,
        config_updated=updated,
        articles_without_claims=session.scalar(sa.select(sa.func.count(Article.id))) - len(candidates),
    )
    existing = {
        t.revision_id: t
        for t in session.scalars(sa.select(LabelStudioTask).where(LabelStudioTask.project_id == project.id))
    }
    new = []
    for article in candidates:
        task = existing.get(article.revision.id)
        if task is None:
            new.append(article)
        elif _extend(session, client, project, task, article, config):
            report.tasks_extended += 1
        else:
            report.tasks_unchanged += 1
        if progress and task is not None:
            progress(1)
    session.commit()
    if new and not created:  # a project made by this push cannot hold orphans
        recovered = _recover_orphans(session, client, project, new, existing)
        report.tasks_recovered = len(recovered)
        new = [a for a in new if a.revision.id not in recovered]
        if progress and recovered:
            progress(len(recovered))
    for start in range(0, len(new), config.batch_size):
        batch = new[start : start + config.batch_size]
        payloads = [_payload(project, article, config) for article in batch]
        ids = client.import_tasks(project.ls_project_id, payloads)
        for article, payload, ls_id in zip(batch, payloads, ids):
            session.add(
                LabelStudioTask(
                    project_id=project.id,
                    revision_id=article.revision.id,
                    ls_task_id=ls_id,
                    mention_ids=[m.id for m, _ in article.claims],
                    payload_hash=payload_hash(payload["data"]),
                )
            )
        session.commit()
        report.tasks_created += len(batch)
        if progress:
            progress(len(batch))
    return report


def _payload(project: LabelStudioProject, article: ArticleClaims, config: ProjectConfig) -> dict:
    mentions = [m for m, _ in article.claims]
    spans = {i: s for i, (_, s) in enumerate(article.claims) if s}
    payload = {"data": task_data(project.project_key, article.revision, mentions)}
    result = predictions(article.revision.body, spans)
    if result:
        payload["predictions"] = [
            {"model_version": config.predictions_model_version, "score": 1.0, "result": result}
        ]
    return payload


def _extend(
    session: Session,
    client: LabelStudioClient,
    project: LabelStudioProject,
    task: LabelStudioTask,
    article: ArticleClaims,
    config: ProjectConfig,
) -> bool:
    """Append the article's new claims to its existing task; False if there are none."""
    known = set(task.mention_ids)
    known_claims = {m.claim_id for m in session.scalars(sa.select(Mention).where(Mention.id.in_(known)))}
    added = [(m, s) for m, s in article.claims if m.id not in known and m.claim_id not in known_claims]
    if not added:
        return False
    mention_ids = list(task.mention_ids) + [m.id for m, _ in added]
    mentions = session.scalars(sa.select(Mention).where(Mention.id.in_(mention_ids))).all()
    ordered = sorted(mentions, key=lambda m: mention_ids.index(m.id))
    data = task_data(project.project_key, article.revision, ordered)
    client.update_task_data(task.ls_task_id, data)
    first_new = len(task.mention_ids)
    spans = {first_new + i: s for i, (_, s) in enumerate(added) if s}
    result = predictions(article.revision.body, spans)
    if result:
        client.add_prediction(
            task.ls_task_id, result, model_version=config.predictions_model_version, score=1.0
        )
    task.mention_ids = mention_ids
    task.payload_hash = payload_hash(data)
    return True


def _recover_orphans(
    session: Session,
    client: LabelStudioClient,
    project: LabelStudioProject,
    new: list[ArticleClaims],
    existing: dict[int, LabelStudioTask],
) -> set[int]:
    """Store the ids of tasks a crashed push imported but never recorded; their revision ids."""
    remote_count = client.project(project.ls_project_id).get("task_number") or 0
    if remote_count <= len(existing):
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

"""Incremental sync: the source of truth for judgments (Label Studio never retries a webhook).

A sync asks Label Studio only for the project's tasks updated after the
project's watermark (``synced_until``) minus :data:`SYNC_OVERLAP`, stores every
annotation of those tasks through :mod:`~annotator.labelstudio.gather` (the
same rules as the webhook, so running both stores each annotation once), and
marks deleted the judgments of annotations that have vanished from a returned
task (a task's ``updated_at`` moves when one of its annotations is deleted, so
a lost ``ANNOTATIONS_DELETED`` webhook is caught here).  A full sync (or the
first one) reads every pushed task from the JSON export instead, in chunks.

Watermark: the newest task ``updated_at`` seen, but never later than the
moment this sync started (a task changed while the pages were being read may
have been passed over; it is read again next time), and never moved back.
The overlap is there because Label Studio stamps ``updated_at`` before its
transaction commits: a change stamped just before the newest one seen may only
become visible after the listing.  Re-reading a few seconds of tasks costs
little: unchanged annotations change nothing.

The caller owns the transaction (``sync`` flushes, never commits).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import LabelStudioError, LabelStudioUnavailable
from ..models import LabelStudioProject, LabelStudioTask, as_utc, utcnow
from ..vocabulary import STORE_VERDICTS
from .client import LabelStudioClient
from .gather import AppliedChange, Gatherer, _id_of, _ls_time

__all__ = ["SyncReport", "sync", "SYNC_OVERLAP"]

T = TypeVar("T")

#: How far before the watermark a sync asks again (see the module docstring).
SYNC_OVERLAP = dt.timedelta(seconds=5)

#: Problems listed in a report; the counts include the rest.
MAX_PROBLEMS = 100


@dataclasses.dataclass
class SyncReport:
    """What a sync read and changed.

    ``tasks`` and ``annotations`` count what Label Studio returned; ``created``,
    ``updated``, ``unchanged`` and ``deleted`` count judgments (one per claim of
    an annotation); ``skipped`` and ``rejected`` are those of the created or
    updated judgments that are skips or were rejected; ``ignored`` counts
    annotations not stored (a task this service did not push, no user...).
    """

    project_key: str
    full: bool
    #: the ``updated_after`` sent to Label Studio (None: every task)
    asked_after: dt.datetime | None
    synced_until: dt.datetime | None = None
    tasks: int = 0
    annotations: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    deleted: int = 0
    ignored: int = 0
    #: annotations changed in Label Studio by someone other than their author (not counted as theirs)
    set_aside: list[int] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    #: the mentions whose judgments changed: their claims' verdicts need refreshing
    mention_ids: set[int] = dataclasses.field(default_factory=set, repr=False)

    def summary(self) -> str:
        """One line for people: what was read, and what changed in the store."""
        since = "everything" if self.asked_after is None else f"changes since {self.asked_after:%Y-%m-%d %H:%M:%S}"
        return (
            f"read {self.annotations} annotation(s) in {self.tasks} task(s) ({since}): judgments"
            f" {self.created} new, {self.updated} updated, {self.unchanged} unchanged, {self.deleted} deleted"
            f" ({self.skipped} skips, {self.rejected} rejected); {self.ignored} annotation(s) ignored"
            + (f"; {len(self.set_aside)} changed by someone other than their author, set aside" if self.set_aside else "")
        )

    def add(self, change: AppliedChange) -> None:
        self.annotations += 1
        for key in ("created", "updated", "unchanged", "skipped", "rejected", "deleted"):
            setattr(self, key, getattr(self, key) + getattr(change, key))
        if change.outcome == "ignored":
            self.ignored += 1
        if change.edited_by is not None:
            self.set_aside.append(change.annotation_id)
        self.note(*change.problems)

    def note(self, *problems: str) -> None:
        room = MAX_PROBLEMS - len(self.problems)
        self.problems.extend(problems[: max(room, 0)])

    def as_dict(self) -> dict:
        data = dataclasses.asdict(self)
        del data["mention_ids"]
        for key in ("asked_after", "synced_until"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def sync(
    session: Session,
    client: LabelStudioClient,
    project: LabelStudioProject,
    *,
    full: bool = False,
    overlap: dt.timedelta = SYNC_OVERLAP,
    verdicts: tuple[str, ...] = STORE_VERDICTS,
    max_rating: int | None = None,
) -> SyncReport:
    """Bring the project's judgments up to date with Label Studio; flushes, the caller commits.

    ``full`` reads every task instead of those changed since the watermark.
    Safe to run while webhooks arrive: every write is an idempotent upsert.  The
    caller refreshes the verdicts of ``report.mention_ids``.
    """
    started = utcnow()
    watermark = as_utc(project.synced_until)
    asked_after = None if full or watermark is None else watermark - overlap
    report = SyncReport(project.project_key, full, asked_after)
    gatherer = Gatherer(
        session, project, resolve_user=_UserDirectory(client), verdicts=verdicts, max_rating=max_rating,
        trusted_editors=frozenset({client.whoami()["id"]}),
    )
    newest: dt.datetime | None = None

    if asked_after is None:
        tasks = _exported_tasks(session, client, project, report)
    else:
        tasks = client.iter_tasks(project.ls_project_id, updated_after=asked_after)
    for page in _pages(tasks, PAGE):
        listed = _store_page(gatherer, page, report)
        for moment in listed:
            if moment is not None and (newest is None or moment > newest):
                newest = moment

    report.mention_ids = gatherer.touched_mentions
    report.synced_until = _advance(session, project, newest, started)
    project.last_synced_at = utcnow()
    session.flush()
    return report


#: Tasks stored together: a few queries and one multi-row INSERT each.
PAGE = 250


class _UserDirectory:
    """Label Studio users by id for one sync: every user in one request, the first time
    one is needed (a first sync meets all the annotators at once), then one request
    for any user the listing did not hold (created since, or the listing refused)."""

    def __init__(self, client: LabelStudioClient):
        self.client = client
        self._by_id: dict[int, dict] | None = None

    def __call__(self, user_id: int) -> Mapping[str, Any]:
        if self._by_id is None:
            try:
                self._by_id = {user.get("id"): user for user in self.client.users()}
            except LabelStudioUnavailable:
                raise
            except LabelStudioError:
                self._by_id = {}
        return self._by_id.get(user_id) or self.client.user(user_id)


def _pages(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (``itertools.batched`` from Python 3.12)."""
    iterator = iter(items)
    while page := list(itertools.islice(iterator, size)):
        yield page


def _store_page(gatherer: Gatherer, page: list[Any], report: SyncReport) -> list[dt.datetime | None]:
    """Store the annotations of some listed tasks and reconcile their deletions; the
    tasks' ``updated_at``."""
    listed: dict[int, tuple[dt.datetime | None, list]] = {}
    for task in page:
        report.tasks += 1
        task_id = _id_of(task.get("id")) if isinstance(task, Mapping) else None
        if task_id is None:
            report.note(f"a task without an integer id: {str(task)[:80]}")
            continue
        annotations = task.get("annotations")
        listed[task_id] = (_ls_time(task.get("updated_at")), annotations if isinstance(annotations, list) else [])
    stored = gatherer.tasks(listed)
    batch = []
    for task_id, (_, annotations) in listed.items():
        if stored[task_id] is None:
            report.annotations += len(annotations)
            report.ignored += len(annotations)
            if annotations:
                report.note(
                    f"task {task_id}: not pushed by this service; its {len(annotations)} annotation(s) are ignored"
                )
            continue
        batch.extend((_with_task(annotation, task_id), stored[task_id]) for annotation in annotations)
    for change in gatherer.apply_many(batch):
        report.add(change)
    ours = [task_id for task_id in listed if stored[task_id] is not None]
    for task_id, annotation_ids in gatherer.stored_annotation_ids(ours).items():
        listed_at, annotations = listed[task_id]
        present = {_id_of(a.get("id")) for a in annotations if isinstance(a, Mapping)}
        vanished = annotation_ids - present
        if vanished:
            # Only those stored from a copy no newer than this listing: one created
            # (and stored by a webhook) after the listing is not missing from it.
            report.deleted += gatherer.delete(vanished, task_id=task_id, seen_before=listed_at)
    return [listed_at for listed_at, _ in listed.values()]


#: Task ids per export request: Label Studio refuses about 1,000 at once.
EXPORT_CHUNK = 250


def _exported_tasks(
    session: Session, client: LabelStudioClient, project: LabelStudioProject, report: SyncReport
) -> Iterator[dict]:
    """Every pushed task with its annotations, read from the JSON export in chunks.

    A full sync reads the export, which Label Studio serves about twice as fast
    as the tasks API (bench/README.md); the next chunk is downloaded while this
    one is stored.  Tasks this service never pushed are not asked for: the
    report says how many there are.
    """
    ids = list(
        session.scalars(
            sa.select(LabelStudioTask.ls_task_id)
            .where(LabelStudioTask.project_id == project.id)
            .order_by(LabelStudioTask.ls_task_id)
        )
    )
    chunks = [ids[start : start + EXPORT_CHUNK] for start in range(0, len(ids), EXPORT_CHUNK)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        counting = pool.submit(client.project, project.ls_project_id)
        pending = pool.submit(client.export_tasks, project.ls_project_id, chunks[0]) if chunks else None
        foreign = (counting.result().get("task_number") or 0) - len(ids)
        if foreign > 0:
            report.note(f"{foreign} task(s) in the project were not pushed by this service: not read")
        if pending is None:
            return
        for following in chunks[1:] + [None]:
            tasks = pending.result()
            if following is not None:
                pending = pool.submit(client.export_tasks, project.ls_project_id, following)
            yield from tasks


def _with_task(annotation: Any, task_id: int) -> Any:
    if isinstance(annotation, Mapping) and annotation.get("task") is None:
        return {**annotation, "task": task_id}
    return annotation


def _advance(
    session: Session, project: LabelStudioProject, newest: dt.datetime | None, started: dt.datetime
) -> dt.datetime | None:
    """Move the watermark forward (never back, also against a concurrent sync)."""
    current = as_utc(project.synced_until)
    if newest is None:
        return current
    candidate = min(newest, started).astimezone(dt.timezone.utc)
    if current is not None and candidate <= current:
        return current
    table = LabelStudioProject.__table__
    session.flush()
    session.execute(
        sa.update(table)
        .where(table.c.id == project.id)
        .where(sa.or_(table.c.synced_until.is_(None), table.c.synced_until < candidate))
        .values(synced_until=candidate)
    )
    session.refresh(project, ["synced_until"])
    return as_utc(project.synced_until)

"""Judgments from Label Studio annotations: read them, then store them.

The webhook (fast path) and the sync (source of truth) both come through here,
so an annotation is stored the same way whichever way it arrives, and twice
is the same as once.  :mod:`~annotator.labelstudio.reading` reads it (pure),
:mod:`~annotator.labelstudio.reconcile` decides what the copy changes in the
judgments stored for it, and this module loads and writes the rows.

:func:`apply_annotation` keeps one :class:`~annotator.models.Judgment` per
(annotation, claim index).  New rows are inserted with ``ON CONFLICT DO NOTHING``
and re-read when another writer (the webhook racing the sync) got there first,
so concurrent writers never fail on the unique constraint nor store an
annotation twice.  The Label Studio user behind an annotation becomes an
:class:`~annotator.models.Annotator` on first sight, or is linked by e-mail to
one added before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..db import conflict_free_insert
from ..errors import LabelStudioError, LabelStudioUnavailable
from ..models import (
    Annotator,
    ArticleRevision,
    Judgment,
    JudgmentState,
    LabelStudioProject,
    LabelStudioTask,
    as_utc,
    utcnow,
)
from ..vocabulary import STORE_VERDICTS
from .annotators import is_simulated_email
from .client import parse_ls_time
from .reading import AnnotationReading, ClaimReading, _is_int, _short, read_annotation
from .reconcile import AppliedChange, PendingAnnotation, _remember

__all__ = [
    "ClaimReading",
    "AnnotationReading",
    "AppliedChange",
    "read_annotation",
    "apply_annotation",
    "delete_annotations",
    "Deletion",
    "Gatherer",
]

UserResolver = Callable[[int], Mapping[str, Any]]

#: Ids per ``IN (...)`` list: well inside SQLite's and PostgreSQL's parameter limits.
_IN_CHUNK = 500


def _ls_time(value: Any) -> dt.datetime | None:
    try:
        return as_utc(parse_ls_time(value)) if isinstance(value, (str, dt.datetime)) else None
    except ValueError:
        return None


def _id_of(value: Any) -> int | None:
    """An id given as an int, or as an object with one (``GET /api/tasks/<id>`` nests users)."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if _is_int(value) else None


def _insert_ignoring_conflict(session: Session, table: sa.Table, values: dict) -> bool:
    """Insert a row unless a unique constraint already holds one like it; True if inserted."""
    statement = conflict_free_insert(session.get_bind().dialect.name, table, "id")
    session.flush()
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT.
    return session.connection().execute(statement, values).first() is not None


def _insert_judgments(session: Session, rows: list[dict]) -> set[tuple[int, int]]:
    """Insert judgment rows in one multi-row statement, skipping any another writer
    stored first; the (annotation id, claim index) of those inserted."""
    if not rows:
        return set()
    statement = conflict_free_insert(
        session.get_bind().dialect.name, Judgment.__table__, "ls_annotation_id", "claim_index"
    )
    session.flush()
    return {(a, i) for a, i in session.connection().execute(statement, rows)}


class Gatherer:
    """Stores annotations of one project; remembers tasks and annotators between calls.

    :func:`apply_annotation` uses one for a single annotation, the sync one for
    a whole run, a page of annotations at a time (:meth:`apply_many`: a few
    queries and one multi-row INSERT per page, whatever its size).
    ``resolve_user(ls_user_id)`` (the client's ``user``) is called only for a
    Label Studio user the store does not know yet.
    """

    def __init__(
        self,
        session: Session,
        project: LabelStudioProject,
        *,
        resolve_user: UserResolver,
        verdicts: tuple[str, ...] = STORE_VERDICTS,
        max_rating: int | None = None,
        trusted_editors: frozenset[int] = frozenset(),
    ):
        self.session = session
        self.project = project
        self.resolve_user = resolve_user
        #: Label Studio users whose changes to others' annotations count as the author's
        #: (the service's own: it posts the demo's and the tests' annotations on their behalf)
        self.trusted_editors = trusted_editors
        self.verdicts = verdicts
        self.max_rating = max_rating
        self._tasks: dict[int, LabelStudioTask | None] = {}
        self._annotators: dict[int, Annotator] = {}
        #: mentions whose judgments changed: their claims' verdicts need recomputing
        self.touched_mentions: set[int] = set()

    # -- lookups -------------------------------------------------------------------------

    def task(self, ls_task_id: int) -> LabelStudioTask | None:
        return self.tasks([ls_task_id])[ls_task_id]

    def tasks(self, ls_task_ids: Iterable[int]) -> dict[int, LabelStudioTask | None]:
        """The project's stored tasks (None: not pushed by this service), with their text."""
        wanted = [i for i in dict.fromkeys(ls_task_ids) if i not in self._tasks]
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            found = self.session.scalars(
                sa.select(LabelStudioTask)
                .where(LabelStudioTask.project_id == self.project.id, LabelStudioTask.ls_task_id.in_(chunk))
                .options(selectinload(LabelStudioTask.revision).load_only(ArticleRevision.body))
            )
            by_id = {task.ls_task_id: task for task in found}
            self._tasks.update({i: by_id.get(i) for i in chunk})
        return {i: self._tasks[i] for i in ls_task_ids}

    def annotator(self, ls_user_id: int) -> Annotator | str:
        """The annotator for a Label Studio user, created on first sight; else why not."""
        known = self._annotators.get(ls_user_id)
        if known is not None:
            return known
        found = self._find_annotator(ls_user_id)
        if isinstance(found, Annotator):
            self._annotators[ls_user_id] = found
        return found

    def _known_annotators(self, ls_user_ids: Iterable[int]) -> None:
        """Remember, in one query, the stored annotators of some Label Studio users."""
        wanted = sorted({i for i in ls_user_ids if i not in self._annotators})
        for start in range(0, len(wanted), _IN_CHUNK):
            for annotator in self.session.scalars(
                sa.select(Annotator).where(Annotator.ls_user_id.in_(wanted[start : start + _IN_CHUNK]))
            ):
                self._annotators[annotator.ls_user_id] = annotator

    def _find_annotator(self, ls_user_id: int) -> Annotator | str:
        session = self.session
        by_id = sa.select(Annotator).where(Annotator.ls_user_id == ls_user_id)
        annotator = session.scalar(by_id)
        if annotator is not None:
            return annotator
        try:
            user = self.resolve_user(ls_user_id)
        except LabelStudioUnavailable:
            raise  # passing: the caller stores nothing now and the next sync tries again
        except LabelStudioError as error:
            return f"Label Studio user {ls_user_id} cannot be read: {error.message}"
        email = user.get("email") if isinstance(user, Mapping) else None
        if not isinstance(email, str) or not email.strip() or len(email.strip()) > 255:
            return f"Label Studio user {ls_user_id} has no usable e-mail address ({_short(email)})"
        email = email.strip()
        name = " ".join(str(user.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
        name = (name or str(user.get("username") or "").strip() or None)
        by_email = sa.select(Annotator).where(sa.func.lower(Annotator.email) == email.lower())
        annotator = session.scalar(by_email)
        if annotator is None:
            _insert_ignoring_conflict(
                session,
                Annotator.__table__,
                {
                    "email": email,
                    "name": name[:255] if name else None,
                    "simulated": is_simulated_email(email),
                    "ls_user_id": ls_user_id,
                    "created_at": utcnow(),
                },
            )
            annotator = session.scalar(by_id) or session.scalar(by_email)
        elif annotator.ls_user_id is None:
            # Added by e-mail before they had a Label Studio account: link them now.
            annotator.ls_user_id = ls_user_id
        # An annotator linked to another user id (another Label Studio server) keeps
        # that link: the same person, looked up by e-mail again next time.
        return annotator if annotator is not None else f"Label Studio user {ls_user_id} could not be stored"

    # -- applying ------------------------------------------------------------------------

    def apply(self, annotation: Any, task: LabelStudioTask | None = None) -> AppliedChange:
        """Store one annotation (by the rules of :mod:`~annotator.labelstudio.reconcile`)."""
        return self.apply_many([(annotation, task)])[0]

    def apply_many(self, annotations: Sequence[tuple[Any, LabelStudioTask | None]]) -> list[AppliedChange]:
        """Store annotations, each with its stored task if the caller has it; what each changed.

        The same as :meth:`apply` on each in turn: an annotation given twice is
        stored as if the copies came one after the other.
        """
        changes: list[AppliedChange] = []
        batch: list[PendingAnnotation] = []
        in_batch: set[int] = set()
        self._known_annotators(
            user_id
            for annotation, _ in annotations
            if isinstance(annotation, Mapping) and (user_id := _id_of(annotation.get("completed_by"))) is not None
        )
        for annotation, task in annotations:
            pending = self._prepare(annotation, task)
            if isinstance(pending, AppliedChange):
                changes.append(pending)
                continue
            if pending.change.annotation_id in in_batch:  # a second copy: after the first is stored
                self._store(batch)
                batch, in_batch = [], set()
            batch.append(pending)
            in_batch.add(pending.change.annotation_id)
            changes.append(pending.change)
        self._store(batch)
        return changes

    def _prepare(self, annotation: Any, task: LabelStudioTask | None) -> PendingAnnotation | AppliedChange:
        """Read one annotation; an :class:`AppliedChange` if there is nothing to store."""
        if not isinstance(annotation, Mapping):
            return AppliedChange(None, outcome="ignored", problems=[f"not an annotation object: {_short(annotation)}"])
        annotation_id = _id_of(annotation.get("id"))
        task_id = task.ls_task_id if task is not None else _id_of(annotation.get("task"))
        change = AppliedChange(annotation_id, task_id)

        def ignore(reason: str) -> AppliedChange:
            change.outcome = "ignored"
            change.problems.append(reason)
            return change

        if annotation_id is None:
            return ignore(f"annotation without an integer id: {_short(annotation.get('id'))}")
        if task_id is None:
            return ignore(f"annotation {annotation_id} names no task")
        task = task or self.task(task_id)
        if task is None:
            return ignore(
                f"task {task_id} is not one this service pushed to Label Studio project"
                f" {self.project.ls_project_id} ({self.project.project_key})"
            )
        user_id = _id_of(annotation.get("completed_by"))
        if user_id is None:
            return ignore(f"annotation {annotation_id} has no completed_by user")
        annotator = self.annotator(user_id)
        if isinstance(annotator, str):
            return ignore(annotator)
        reading = read_annotation(
            annotation, len(task.mention_ids), self.verdicts, text=task.revision.body, max_rating=self.max_rating
        )
        change.problems.extend(f"annotation {annotation_id}: {why}" for why in reading.ignored)
        change.problems.extend(
            f"annotation {annotation_id}: {r.reject_reason}" for r in reading if r.state is JudgmentState.REJECTED
        )
        editor = _id_of(annotation.get("updated_by"))
        trusted = {user_id, *self.trusted_editors}
        edited_by = editor if editor is not None and editor not in trusted and not annotator.simulated else None
        return PendingAnnotation(
            change, task, annotator, reading, _ls_time(annotation.get("updated_at")), edited_by=edited_by
        )

    def _stored_judgments(self, annotation_ids: list[int]) -> dict[int, dict[int, Judgment]]:
        """The stored judgments of some annotations, locked: annotation id -> claim index -> row."""
        found: dict[int, dict[int, Judgment]] = {}
        for start in range(0, len(annotation_ids), _IN_CHUNK):
            query = (
                sa.select(Judgment)
                .where(Judgment.ls_annotation_id.in_(annotation_ids[start : start + _IN_CHUNK]))
                .order_by(Judgment.id)
                .with_for_update()
            )
            for judgment in self.session.scalars(query):
                found.setdefault(judgment.ls_annotation_id, {})[judgment.claim_index] = judgment
        return found

    def _store(self, batch: list[PendingAnnotation]) -> None:
        """Store a batch of read annotations, no annotation twice in it."""
        if not batch:
            return
        stored = self._stored_judgments([p.change.annotation_id for p in batch])
        rows: list[tuple[PendingAnnotation, ClaimReading, dict]] = []
        for pending in batch:
            pending.existing = stored.get(pending.change.annotation_id, {})
            rows.extend((pending, claim, row) for claim, row in pending.compare())
        now = utcnow()
        inserted = _insert_judgments(
            self.session, [row | {"created_at": now, "updated_at": now} for _, _, row in rows]
        )
        for pending, claim, row in rows:
            if (row["ls_annotation_id"], row["claim_index"]) in inserted:
                pending.change.tally("created", claim.state)
            else:
                # Another writer stored it since we looked: compare with theirs.
                theirs = self.session.scalars(
                    sa.select(Judgment)
                    .where(Judgment.ls_annotation_id == row["ls_annotation_id"], Judgment.claim_index == claim.claim_index)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                ).one()
                pending.replace(claim, theirs)
        for pending in batch:
            # Any row written (even only its ls_updated_at) changes the verdict sets'
            # signature: refreshing the task's claims keeps them from a full rebuild.
            if pending.finish():
                self.touched_mentions.update(m for m in pending.task.mention_ids if m is not None)
        self.session.flush()

    def delete(
        self, annotation_ids: Iterable[int], *, task_id: int | None = None, seen_before: dt.datetime | None = None
    ) -> int:
        """Mark the judgments of ``annotation_ids`` deleted; how many were not already.

        With ``seen_before``, only judgments read from a copy no newer than it: an
        annotation stored after a task listing was made is not missing from it.
        """
        ids = sorted({i for i in annotation_ids if _is_int(i)})
        count = 0
        project_tasks = sa.select(LabelStudioTask.ls_task_id).where(LabelStudioTask.project_id == self.project.id)
        for start in range(0, len(ids), _IN_CHUNK):
            query = (
                sa.select(Judgment)
                .where(
                    Judgment.ls_annotation_id.in_(ids[start : start + _IN_CHUNK]),
                    Judgment.ls_task_id.in_(project_tasks) if task_id is None else Judgment.ls_task_id == task_id,
                    Judgment.state != JudgmentState.DELETED,
                )
                .order_by(Judgment.id)
                .with_for_update()
            )
            for judgment in self.session.scalars(query):
                read_at = as_utc(judgment.ls_updated_at)
                if seen_before is not None and read_at is not None and read_at > seen_before:
                    continue
                _remember(judgment)
                judgment.state = JudgmentState.DELETED
                if judgment.mention_id is not None:
                    self.touched_mentions.add(judgment.mention_id)
                count += 1
        self.session.flush()
        return count

    def stored_annotation_ids(self, ls_task_ids: Iterable[int]) -> dict[int, set[int]]:
        """Per task, its annotations with judgments not yet marked deleted."""
        ids = list(dict.fromkeys(ls_task_ids))
        found: dict[int, set[int]] = {i: set() for i in ids}
        for start in range(0, len(ids), _IN_CHUNK):
            for task_id, annotation_id in self.session.execute(
                sa.select(Judgment.ls_task_id, Judgment.ls_annotation_id)
                .where(Judgment.ls_task_id.in_(ids[start : start + _IN_CHUNK]), Judgment.state != JudgmentState.DELETED)
                .distinct()
            ):
                found[task_id].add(annotation_id)
        return found


def apply_annotation(
    session: Session,
    project: LabelStudioProject,
    annotation: Any,
    *,
    resolve_user: UserResolver,
    verdicts: tuple[str, ...] = STORE_VERDICTS,
    max_rating: int | None = None,
    trusted_editors: frozenset[int] = frozenset(),
) -> AppliedChange:
    """Store one annotation of ``project`` as judgments; flushes, the caller commits
    (and refreshes the verdicts of ``change.mention_ids``).

    An annotation of a task this service did not push is ignored (reported, not
    stored).  ``resolve_user(ls_user_id) -> {"email", "first_name", ...}`` is
    called only for a Label Studio user the store does not know yet.
    """
    gatherer = Gatherer(
        session, project, resolve_user=resolve_user, verdicts=verdicts, max_rating=max_rating,
        trusted_editors=trusted_editors,
    )
    change = gatherer.apply(annotation)
    change.mention_ids = set(gatherer.touched_mentions)
    return change


@dataclasses.dataclass(frozen=True)
class Deletion:
    """What deleting annotations changed: judgments newly marked deleted, and their mentions."""

    count: int
    mention_ids: frozenset[int]


def delete_annotations(session: Session, project: LabelStudioProject, annotation_ids: Iterable[int]) -> Deletion:
    """Mark the judgments of deleted annotations deleted (history kept); the caller
    commits and refreshes the verdicts of the mentions touched."""
    gatherer = Gatherer(session, project, resolve_user=_no_users)
    count = gatherer.delete(annotation_ids)
    return Deletion(count, frozenset(gatherer.touched_mentions))


def _no_users(ls_user_id: int) -> Mapping[str, Any]:  # pragma: no cover - deleting reads no users
    raise LabelStudioError(f"no user lookup while deleting (user {ls_user_id})")
